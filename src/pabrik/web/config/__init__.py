"""The site configuration's version history in the browser."""
