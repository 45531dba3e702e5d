"""SQLite side of the manual-record corrections, mixed into ``SqliteStore``."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from pabrik.storage.sql.base import SqliteSql, SqliteTx, SqlTx
from pabrik.storage.sql.manual import SqlManual


class SqliteManual(SqliteSql, SqlManual):
    """Corrections and handover notes over the writer of ``SqliteStore``."""

    def _mark_rollups_dirty(
        self,
        conn: sqlite3.Connection,
        states: Sequence[tuple[object, ...]],
        counts: Sequence[tuple[object, ...]],
        samples: Sequence[tuple[object, ...]],
    ) -> None:
        raise NotImplementedError

    def _mark_manual_dirty(self, tx: SqlTx, table: str, key: tuple[Any, ...]) -> None:
        assert isinstance(tx, SqliteTx)  # the transaction of SqliteSql._tx
        if table == "states":
            self._mark_rollups_dirty(tx.conn, [key], [], [])
        else:
            self._mark_rollups_dirty(tx.conn, [], [key], [])
