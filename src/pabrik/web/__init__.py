"""FastAPI web dashboard and JSON API."""
