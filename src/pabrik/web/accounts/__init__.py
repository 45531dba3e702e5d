"""Account pages and API."""
