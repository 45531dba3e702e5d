"""PostgreSQL implementation of the central's federation tables, mixed into ``PostgresStore``."""

from __future__ import annotations

from pabrik.storage.sql.base import PgSql
from pabrik.storage.sql.federation import SqlFederation


class PgFederation(PgSql, SqlFederation):
    """Plants, machines, summaries and receipts in the same database as the records."""
