"""PostgreSQL implementation of the assessment store, mixed into ``PostgresStore``."""

from __future__ import annotations

from pabrik.storage.sql_assessments import SqlAssessments
from pabrik.storage.sql_base import PgSql


class PgAssessments(PgSql, SqlAssessments):
    """Assessment tables in the same database as the plant records."""
