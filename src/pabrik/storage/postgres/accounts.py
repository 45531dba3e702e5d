"""PostgreSQL implementation of the account store, mixed into ``PostgresStore``.

The tables and semantics follow ``sqlite_accounts``: instants are bigint epoch milliseconds,
except ``state_reasons.ts``, which is the ``timestamptz`` key of the state it overrides.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pabrik.model.records import from_epoch_ms, to_epoch_ms
from pabrik.storage.postgres.rollup_marks import in_epoch_ms
from pabrik.storage.postgres.rollups import mark_rollups_dirty
from pabrik.storage.sql.accounts import SqlAccounts
from pabrik.storage.sql.base import PgSql, PgTx, SqlTx


class PgAccounts(PgSql, SqlAccounts):
    """Account tables in the same database as the plant records."""

    _USERNAME_MATCHES = "lower(username) = lower(?)"
    _USERS_ORDER = 'lower(username) COLLATE "C", username COLLATE "C"'
    _REASON_TS = "ts"

    def _reason_key(self, ts: datetime) -> Any:
        # An instant floored to the millisecond, as states are keyed on both backends.
        return from_epoch_ms(to_epoch_ms(ts))

    def _reason_instant(self, value: Any) -> datetime:
        instant: datetime = value
        return instant

    def _mark_reason_dirty(self, tx: SqlTx, key: tuple[Any, ...]) -> None:
        assert isinstance(tx, PgTx)  # the transaction of PgSql._tx
        mark_rollups_dirty(tx.conn, {"states": [in_epoch_ms(key)]})
