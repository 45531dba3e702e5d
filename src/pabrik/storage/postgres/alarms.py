"""PostgreSQL implementation of the alarm store, mixed into ``PostgresStore``."""

from __future__ import annotations

from pabrik.storage.sql.alarms import SqlAlarms
from pabrik.storage.sql.base import PgSql


class PgAlarms(PgSql, SqlAlarms):
    """Alarm tables in the same database as the plant records."""
