"""PostgreSQL implementation of the assessment store, mixed into ``PostgresStore``."""

from __future__ import annotations

from pabrik.storage.sql.assessments import SqlAssessments
from pabrik.storage.sql.base import PgSql


class PgAssessments(PgSql, SqlAssessments):
    """Assessment tables in the same database as the plant records."""
