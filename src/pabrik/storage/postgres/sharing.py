"""PostgreSQL side of consented sharing and group sites, mixed into ``PostgresStore``."""

from __future__ import annotations

from pabrik.storage.sql.base import PgSql
from pabrik.storage.sql.sharing import SqlSharing


class PgSharing(PgSql, SqlSharing):
    """Sharing tables in the same database as the plant records."""
