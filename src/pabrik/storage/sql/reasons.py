"""Operators' reasons for stops, once for both backends; each dialect keys them its own way."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pabrik.model.records import from_epoch_ms, to_epoch_ms
from pabrik.storage.accounts import AuditLogRow, StateReasonRow
from pabrik.storage.sql.account_rows import INSERT_AUDIT, audit_params
from pabrik.storage.sql.base import SqlBase, SqlTx


class SqlReasons(SqlBase):
    """The ``state_reasons`` table, written with its audit row and the rollups it changes."""

    # The column of ``state_reasons`` keyed on the instant of the state.
    _REASON_TS = "ts_ms"

    def _reason_key(self, ts: datetime) -> Any:
        """An instant as ``state_reasons`` keys it."""
        return to_epoch_ms(ts)

    def _reason_instant(self, value: Any) -> datetime:
        """A ``state_reasons`` key as an instant."""
        return from_epoch_ms(value)

    def _mark_reason_dirty(self, tx: SqlTx, key: tuple[Any, ...]) -> None:
        """In the write transaction: mark the rollups a reason for the state ``key`` changes."""
        raise NotImplementedError

    def save_state_reason(self, row: StateReasonRow, audit: AuditLogRow) -> None:
        """Store an operator's reason for a stop and mark the rollups it changes."""
        ts = self._REASON_TS
        sql = (
            f"INSERT INTO state_reasons (machine_id, {ts}, source, reason, entered_by,"  # noqa: S608
            f" entered_at_ms) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (machine_id, {ts}, source)"
            " DO UPDATE SET reason = excluded.reason, entered_by = excluded.entered_by,"
            " entered_at_ms = excluded.entered_at_ms"
        )
        key = (row.machine_id, self._reason_key(row.ts), row.source)
        with self._tx() as tx:
            tx.execute(sql, (*key, row.reason, row.entered_by, to_epoch_ms(row.entered_at)))
            tx.executemany(INSERT_AUDIT, audit_params([audit]))
            # The reason moves downtime between Pareto rows, so the hours it reaches roll up again.
            self._mark_reason_dirty(tx, key)

    def state_reasons(
        self, machine_id: str, start: datetime, end: datetime
    ) -> list[StateReasonRow]:
        """Operator reasons of a machine's stops in [start, end)."""
        ts = self._REASON_TS
        sql = (
            f"SELECT machine_id, {ts}, source, reason, entered_by, entered_at_ms"  # noqa: S608
            f" FROM state_reasons WHERE machine_id = ? AND {ts} >= ? AND {ts} < ?"
            f" ORDER BY {ts}, source{self._BINARY_ORDER}"
        )
        params = (machine_id, self._reason_key(start), self._reason_key(end))
        return [
            StateReasonRow(r[0], self._reason_instant(r[1]), r[2], r[3], r[4], from_epoch_ms(r[5]))
            for r in self._rows(sql, params)
        ]
