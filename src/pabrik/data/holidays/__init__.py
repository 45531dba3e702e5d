"""Public-holiday calendars by country code, kept as data files."""
