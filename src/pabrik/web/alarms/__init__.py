"""Alarm pages and API (issue 14)."""
