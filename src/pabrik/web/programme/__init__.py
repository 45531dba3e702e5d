"""Programme view pages and API."""
