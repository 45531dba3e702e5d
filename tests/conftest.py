"""Fixtures shared by every suite: a real PostgreSQL server (see tests/pg.py)."""

pytest_plugins = ("tests.pg",)
