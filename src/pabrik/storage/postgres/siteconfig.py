"""PostgreSQL side of the versioned site configuration, mixed into ``PostgresStore``."""

from __future__ import annotations

from pabrik.storage.sql.base import PgSql
from pabrik.storage.sql.siteconfig import SqlSiteConfig


class PgSiteConfig(PgSql, SqlSiteConfig):
    """Configuration versions in the same database as the plant records."""
