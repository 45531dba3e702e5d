"""SQLite side of the versioned site configuration, mixed into ``SqliteStore``."""

from __future__ import annotations

from pabrik.storage.sql.base import SqliteSql
from pabrik.storage.sql.siteconfig import SqlSiteConfig


class SqliteSiteConfig(SqliteSql, SqlSiteConfig):
    """Configuration versions over the writer and per-thread readers of ``SqliteStore``."""
