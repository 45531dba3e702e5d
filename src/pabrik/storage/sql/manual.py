"""Corrections of manual records and handover notes, once for both backends."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pabrik.model.records import from_epoch_ms, to_epoch_ms
from pabrik.storage.accounts import AuditLogRow
from pabrik.storage.manual import MANUAL_PREFIX, HandoverRow
from pabrik.storage.sql.account_rows import INSERT_AUDIT, audit_params
from pabrik.storage.sql.base import SqlBase, SqlTx


class SqlManual(SqlBase):
    """Updates of manual ``counts``/``states`` rows, each with its audit row and dirty rollups."""

    # The column ``states`` and ``counts`` are keyed on, and how an instant is written there.
    _RECORD_TS = "ts_ms"

    def _record_key(self, ts: datetime) -> Any:
        """An instant as the record tables key it."""
        return to_epoch_ms(ts)

    def _mark_manual_dirty(self, tx: SqlTx, table: str, key: tuple[Any, ...]) -> None:
        """In the write transaction: mark the rollups a changed row of ``table`` reaches."""
        raise NotImplementedError

    def _update(
        self,
        table: str,
        assignments: str,
        values: tuple[Any, ...],
        key: tuple[Any, ...],
        audit: AuditLogRow,
        clear_reason: bool = False,
    ) -> bool:
        ts = self._RECORD_TS
        # Only rows typed in at a terminal may be corrected: a machine's own record stays raw.
        sql = (
            f"UPDATE {table} SET {assignments} WHERE machine_id = ? AND {ts} = ?"  # noqa: S608
            " AND source = ? AND substr(source, 1, 7) = ?"
        )
        with self._tx() as tx:
            changed = tx.execute(sql, (*values, *key, MANUAL_PREFIX))
            if not changed:
                return False
            if clear_reason:
                # An earlier reason given on the stops page would hide the corrected one.
                tx.execute(
                    f"DELETE FROM state_reasons WHERE machine_id = ? AND {ts} = ?"  # noqa: S608
                    " AND source = ?",
                    key,
                )
            tx.executemany(INSERT_AUDIT, audit_params([audit]))
            self._mark_manual_dirty(tx, table, key)
        return True

    def correct_count(
        self, machine_id: str, ts: datetime, source: str, good: int, scrap: int, audit: AuditLogRow
    ) -> bool:
        """Set a manual count's good and scrap; False when no such manual record exists."""
        key = (machine_id, self._record_key(ts), source)
        return self._update("counts", "good = ?, scrap = ?", (good, scrap), key, audit)

    def correct_state(
        self,
        machine_id: str,
        ts: datetime,
        source: str,
        state: str,
        reason: str | None,
        audit: AuditLogRow,
    ) -> bool:
        """Set a manual state's class and reason; False when no such manual record exists."""
        key = (machine_id, self._record_key(ts), source)
        values = (state, reason)
        return self._update("states", "state = ?, reason = ?", values, key, audit, True)

    def save_count_reason(self, machine_id: str, ts: datetime, source: str, reason: str) -> None:
        """Give a count's scrap a reason (the last one given wins)."""
        ts_col = self._RECORD_TS
        sql = (
            f"INSERT INTO count_reasons (machine_id, {ts_col}, source, reason)"  # noqa: S608
            f" VALUES (?, ?, ?, ?) ON CONFLICT (machine_id, {ts_col}, source)"
            " DO UPDATE SET reason = excluded.reason"
        )
        with self._tx() as tx:
            tx.execute(sql, (machine_id, self._record_key(ts), source, reason))

    def scrap_by_reason(self, machine_id: str, start: datetime, end: datetime) -> dict[str, int]:
        """Scrap units of a machine's counts with start < ts <= end, by the reason given."""
        ts = self._RECORD_TS
        sql = (
            f"SELECT r.reason, sum(c.scrap) FROM counts c JOIN count_reasons r"  # noqa: S608
            f" ON r.machine_id = c.machine_id AND r.{ts} = c.{ts} AND r.source = c.source"
            f" WHERE c.machine_id = ? AND c.{ts} > ? AND c.{ts} <= ? GROUP BY r.reason"
        )
        params = (machine_id, self._record_key(start), self._record_key(end))
        return {str(r[0]): int(r[1]) for r in self._rows(sql, params)}

    def save_handover(self, row: HandoverRow) -> bool:
        """Keep a handover note once per key; False when the key was already stored."""
        sql = (
            "INSERT INTO handover_notes (key, scope_id, shift_key, text, written_by,"
            " written_at_ms) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING"
        )
        params = (
            row.key,
            row.scope_id,
            row.shift_key,
            row.text,
            row.written_by,
            to_epoch_ms(row.written_at),
        )
        with self._tx() as tx:
            return tx.execute(sql, params) > 0

    def handovers(self, scope_id: str, limit: int) -> list[HandoverRow]:
        """The newest handover notes of a machine or line."""
        sql = (
            "SELECT key, scope_id, shift_key, text, written_by, written_at_ms"  # noqa: S608
            " FROM handover_notes"
            f" WHERE scope_id = ? ORDER BY written_at_ms DESC, key{self._BINARY_ORDER} LIMIT ?"
        )
        return [
            HandoverRow(r[0], r[1], r[2], r[3], r[4], from_epoch_ms(r[5]))
            for r in self._rows(sql, (scope_id, limit))
        ]
