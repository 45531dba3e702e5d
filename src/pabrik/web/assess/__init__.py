"""Assessment pages and API."""
