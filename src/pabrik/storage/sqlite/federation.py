"""SQLite implementation of the central's federation tables, mixed into ``SqliteStore``."""

from __future__ import annotations

from pabrik.storage.sql.base import SqliteSql
from pabrik.storage.sql.federation import SqlFederation


class SqliteFederation(SqliteSql, SqlFederation):
    """Plants, machines, summaries and receipts over ``SqliteStore``'s connections."""
