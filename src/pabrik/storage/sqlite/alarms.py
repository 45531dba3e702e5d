"""SQLite implementation of the alarm store, mixed into ``SqliteStore``."""

from __future__ import annotations

from pabrik.storage.sql.alarms import SqlAlarms
from pabrik.storage.sql.base import SqliteSql


class SqliteAlarms(SqliteSql, SqlAlarms):
    """Alarm tables over the writer and per-thread readers of ``SqliteStore``."""
