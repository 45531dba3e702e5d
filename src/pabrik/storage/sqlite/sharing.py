"""SQLite side of consented sharing and group sites, mixed into ``SqliteStore``."""

from __future__ import annotations

from pabrik.storage.sql.base import SqliteSql
from pabrik.storage.sql.sharing import SqlSharing


class SqliteSharing(SqliteSql, SqlSharing):
    """Sharing tables over the writer and per-thread readers of ``SqliteStore``."""
