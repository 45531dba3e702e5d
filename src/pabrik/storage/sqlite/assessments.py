"""SQLite implementation of the assessment store, mixed into ``SqliteStore``."""

from __future__ import annotations

from pabrik.storage.sql.assessments import SqlAssessments
from pabrik.storage.sql.base import SqliteSql


class SqliteAssessments(SqliteSql, SqlAssessments):
    """Assessment tables over the writer and per-thread readers of ``SqliteStore``."""
