"""Versioned SQL migrations, one folder per backend."""
