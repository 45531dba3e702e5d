"""Retention in SQLite: old rows deleted in short batches along each table's primary key."""

from __future__ import annotations

import json
from collections.abc import Sequence

from pabrik.model.records import to_epoch_ms
from pabrik.storage.sql.base import SqliteSql
from pabrik.storage.sqlite.frames import hide_signal, purge_frames
from pabrik.storage.store import PurgeResult, RetentionRule

# Table -> (time column, the key column a batch selects within one machine's key prefix).
_RETENTION = {
    "states": ("ts_ms", "ts_ms"),
    "counts": ("ts_ms", "ts_ms"),
    "samples": ("ts_ms", "ts_ms"),
    "dead_letters": ("received_at_ms", "id"),
    "kpi_rollup_hour": ("start_ms", "start_ms"),
    "kpi_rollup_minute": ("start_ms", "start_ms"),
    "kpi_rollup_downtime": ("start_ms", "start_ms"),
}


def _distinct_sql(table: str, column: str, prefix: str) -> str:
    """Distinct values of a key column by index hops (a loose index scan), not a full scan."""
    return (
        f"WITH RECURSIVE v(x) AS (SELECT min({column}) FROM {table} WHERE {prefix}1 = 1"  # noqa: S608
        f" UNION ALL SELECT (SELECT min({column}) FROM {table} WHERE {prefix}{column} > v.x)"
        " FROM v WHERE v.x IS NOT NULL) SELECT x FROM v WHERE x IS NOT NULL"
    )


class SqliteRetention(SqliteSql):
    """Purging expired rows without holding the write lock for long."""

    def purge(self, rules: Sequence[RetentionRule], *, dry_run: bool = False) -> list[PurgeResult]:
        """Delete rows older than each rule's cut-off, in batches of short transactions."""
        return [
            PurgeResult(
                rule,
                sum(self._purge_scope(s, rule, dry_run) for s in self._scopes(rule))
                + (self._purge_frames(rule, dry_run) if rule.table == "samples" else 0),
            )
            for rule in rules
        ]

    def _purge_frames(self, rule: RetentionRule, dry_run: bool) -> int:
        """Frame values older than the cut: whole frames deleted, or one signal's cut raised."""
        _, guarded = self._unforwarded_guard("samples")
        done = int(str(guarded[0])) if guarded else None
        cut = to_epoch_ms(rule.before)
        if rule.machine_id is not None and rule.signal_id is not None:
            return hide_signal(
                self._transaction, (rule.machine_id, rule.signal_id), cut, done, dry_run=dry_run
            )
        return purge_frames(self._transaction, self._reader(), cut, done, dry_run=dry_run)

    def _scopes(self, rule: RetentionRule) -> list[tuple[str, tuple[object, ...]]]:
        """Key-prefix conditions that keep each batch on the primary key."""
        if rule.table not in _RETENTION:
            raise ValueError(f"no retention for table {rule.table!r}")
        if rule.machine_id is not None or rule.signal_id is not None:
            if rule.table != "samples" or rule.machine_id is None or rule.signal_id is None:
                raise ValueError("a per-signal rule names samples, a machine and a signal")
            return [("machine_id = ? AND signal_id = ?", (rule.machine_id, rule.signal_id))]
        if rule.table == "dead_letters":
            return [("1 = 1", ())]
        conn = self._reader()
        machines = [r[0] for r in conn.execute(_distinct_sql(rule.table, "machine_id", ""))]
        if rule.table != "samples":
            return [("machine_id = ?", (m,)) for m in machines]
        return [
            ("machine_id = ? AND signal_id = ?", (m, sig[0]))
            for m in machines
            for sig in conn.execute(
                _distinct_sql("samples", "signal_id", "machine_id = ? AND "), (m, m)
            )
        ]

    def _unforwarded_guard(self, table: str) -> tuple[str, tuple[object, ...]]:
        """On a forwarding plant, a record not yet delivered to the central is never purged."""
        row = (
            self._reader()
            .execute("SELECT value FROM checkpoints WHERE name = 'forward:cursors'")
            .fetchone()
        )
        if row is None or table not in {"states", "counts", "samples"}:
            return "", ()
        done = json.loads(row[0]).get("done", {}).get(table, [-1])
        return " AND fwd_batch < ?", (int(done[0]),)

    def _purge_scope(
        self, scope: tuple[str, tuple[object, ...]], rule: RetentionRule, dry_run: bool
    ) -> int:
        prefix, params = scope
        guard, guarded = self._unforwarded_guard(rule.table)
        prefix, params = f"{prefix}{guard}", (*params, *guarded)
        ts, key = _RETENTION[rule.table]
        cut = to_epoch_ms(rule.before)
        if dry_run:
            row = (
                self._reader()
                .execute(
                    f"SELECT count(*) FROM {rule.table} WHERE {prefix} AND {ts} < ?",  # noqa: S608
                    (*params, cut),
                )
                .fetchone()
            )
            return int(row[0])
        statement = (
            f"DELETE FROM {rule.table} WHERE {prefix} AND {key} IN"  # noqa: S608
            f" (SELECT {key} FROM {rule.table} WHERE {prefix} AND {ts} < ? LIMIT ?)"
            f" AND {ts} < ?"
        )
        total = 0
        while True:
            with self._transaction() as conn:
                done = conn.execute(statement, (*params, *params, cut, 5000, cut)).rowcount
            total += done
            if done < 5000:
                return total
