"""SQLite implementation of the account store, mixed into ``SqliteStore``."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from pabrik.storage.sql.accounts import SqlAccounts
from pabrik.storage.sql.base import SqliteSql, SqliteTx, SqlTx


class SqliteAccounts(SqliteSql, SqlAccounts):
    """Account tables over the writer and per-thread readers of ``SqliteStore``."""

    # ``users.username`` is declared COLLATE NOCASE.
    _USERNAME_MATCHES = "username = ?"
    _USERS_ORDER = "username"
    _REASON_TS = "ts_ms"

    def _mark_rollups_dirty(
        self,
        conn: sqlite3.Connection,
        states: Sequence[tuple[object, ...]],
        counts: Sequence[tuple[object, ...]],
        samples: Sequence[tuple[object, ...]],
    ) -> None:
        raise NotImplementedError

    def _mark_reason_dirty(self, tx: SqlTx, key: tuple[Any, ...]) -> None:
        assert isinstance(tx, SqliteTx)  # the transaction of SqliteSql._tx
        self._mark_rollups_dirty(tx.conn, [key], [], [])
