"""The account store once for both backends; ``SqliteSql``/``PgSql`` run its SQL.

Instants are epoch milliseconds on both backends, except ``state_reasons.ts``: the key of the
state it overrides, which each dialect stores its own way (see the ``_REASON_TS`` hooks).
"""

from __future__ import annotations

from pabrik.storage.sql.logins import SqlLogins
from pabrik.storage.sql.partners import SqlPartners
from pabrik.storage.sql.programme import SqlProgramme
from pabrik.storage.sql.reasons import SqlReasons


class SqlAccounts(SqlLogins, SqlReasons, SqlProgramme, SqlPartners):
    """Account tables, in the SQLite file or the PostgreSQL database of the plant records."""
