"""PostgreSQL side of the manual-record corrections, mixed into ``PostgresStore``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pabrik.model.records import from_epoch_ms, to_epoch_ms
from pabrik.storage.postgres.rollup_marks import in_epoch_ms
from pabrik.storage.postgres.rollups import mark_rollups_dirty
from pabrik.storage.sql.base import PgSql, PgTx, SqlTx
from pabrik.storage.sql.manual import SqlManual


class PgManual(PgSql, SqlManual):
    """Corrections and handover notes in the same database as the plant records."""

    _RECORD_TS = "ts"

    def _record_key(self, ts: datetime) -> Any:
        # An instant floored to the millisecond, as records are keyed on both backends.
        return from_epoch_ms(to_epoch_ms(ts))

    def _mark_manual_dirty(self, tx: SqlTx, table: str, key: tuple[Any, ...]) -> None:
        assert isinstance(tx, PgTx)  # the transaction of PgSql._tx
        mark_rollups_dirty(tx.conn, {table: [in_epoch_ms(key)]})
