"""SQLite implementation of the rollup store, mixed into ``SqliteStore``."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any

from pabrik.storage.rollups import (
    HOUR_MS,
    ROLLUP_COLUMNS,
    Grain,
    Hour,
    RollupConfig,
    RollupRow,
    RollupSum,
)
from pabrik.storage.sqlite.frames import FrameMark
from pabrik.storage.sqlite.rollup_marks import claim, configs, generations, mark_dirty

_TABLE: dict[str, str] = {"hour": "kpi_rollup_hour", "minute": "kpi_rollup_minute"}
_COLS = ", ".join(ROLLUP_COLUMNS)
_SUMS = ", ".join("min(order_data)" if c == "order_data" else f"sum({c})" for c in ROLLUP_COLUMNS)
_NOT_DIRTY = (
    " AND NOT EXISTS (SELECT 1 FROM kpi_rollup_dirty d WHERE d.machine_id = r.machine_id"
    " AND d.hour_ms = r.start_ms - (r.start_ms % 3600000))"
)
DAY_MS = 86_400_000
# Whole days [d0, d1) come from the daily tables (0014, 0022), streamed in key order; the
# hours of the ragged ends and of days with a dirty hour from the hourly rows.
_DAY_GUARD = (
    " AND NOT EXISTS (SELECT 1 FROM kpi_rollup_dirty x WHERE x.machine_id = d.machine_id"
    " AND x.hour_ms >= d.day_ms AND x.hour_ms < d.day_ms + 86400000)"
)
_EDGE_HOURS = (
    "SELECT {cols} FROM {table} r WHERE r.machine_id IN ({ids})"
    " AND ((r.start_ms >= ? AND r.start_ms < ?) OR (r.start_ms >= ? AND r.start_ms < ?))"
    "{not_dirty}"
)
_DIRTY_DAY_HOURS = (
    " UNION ALL SELECT {cols} FROM (SELECT DISTINCT machine_id,"
    " hour_ms - hour_ms % 86400000 AS day_ms FROM kpi_rollup_dirty"
    " WHERE machine_id IN ({ids}) AND hour_ms >= ? AND hour_ms < ?) dd"
    " JOIN {table} r ON r.machine_id = dd.machine_id"
    " AND r.start_ms >= dd.day_ms AND r.start_ms < dd.day_ms + 86400000{not_dirty}"
)
_HOUR_COLS = ", ".join(f"r.{c}" for c in ROLLUP_COLUMNS)
# Order data is 0/1 per hour; the daily rows keep its sum, so "every hour had it" is sum = n.
_PLAIN_SUMS = ", ".join(f"sum({c})" for c in ROLLUP_COLUMNS)
_ORDER = ROLLUP_COLUMNS.index("order_data")
_DAY_SUMS = ", ".join(f"sum(d.{c})" for c in ROLLUP_COLUMNS)
_SUMS_DAYS = (
    f"SELECT d.machine_id, sum(d.n), {_DAY_SUMS} FROM kpi_rollup_day d"  # noqa: S608
    " WHERE d.machine_id IN ({ids}) AND d.day_ms >= ? AND d.day_ms < ?"
    "{guard} GROUP BY d.machine_id"
)
_DOWNTIME_DAYS = (
    "SELECT d.machine_id, d.state, d.reason, sum(d.ms) FROM kpi_rollup_downtime_day d"
    " WHERE d.machine_id IN ({ids}) AND d.day_ms >= ? AND d.day_ms < ?"
    "{guard} GROUP BY d.machine_id, d.state, d.reason"
)


def _hour(ms: int) -> int:
    return ms - ms % HOUR_MS


def _in(values: Sequence[str]) -> str:
    return ",".join("?" * len(values))


class SqliteRollups:
    """Rollup tables in the same SQLite file as the raw records."""

    def _reader(self) -> sqlite3.Connection:
        raise NotImplementedError

    def _transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        raise NotImplementedError

    def rollup_configs(self) -> dict[str, RollupConfig]:
        """The configuration each machine's rollups were computed with."""
        return configs(self._reader())

    def reset_rollups(self, machine_id: str, config: RollupConfig) -> None:
        """Drop a machine's rollups and record the configuration of the next ones."""
        with self._transaction() as conn:
            for table in (*_TABLE.values(), "kpi_rollup_downtime"):
                conn.execute(f"DELETE FROM {table} WHERE machine_id = ?", (machine_id,))  # noqa: S608
            conn.execute("DELETE FROM kpi_rollup_dirty WHERE machine_id = ?", (machine_id,))
            conn.execute(
                "INSERT INTO kpi_rollup_config (machine_id, fingerprint, state_margin_ms,"
                " count_margin_ms, sample_margin_ms, energy_signal) VALUES (?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (machine_id) DO UPDATE SET fingerprint = excluded.fingerprint,"
                " state_margin_ms = excluded.state_margin_ms,"
                " count_margin_ms = excluded.count_margin_ms,"
                " sample_margin_ms = excluded.sample_margin_ms,"
                " energy_signal = excluded.energy_signal",
                (
                    machine_id,
                    config.fingerprint,
                    config.state_margin_ms,
                    config.count_margin_ms,
                    config.sample_margin_ms,
                    config.energy_signal,
                ),
            )

    def rollup_seq(self, machine_ids: Sequence[str]) -> dict[str, int]:
        """Each machine's write sequence number (0 before any write)."""
        rows = self._reader().execute(
            f"SELECT machine_id, seq FROM kpi_rollup_seq WHERE machine_id IN ({_in(machine_ids)})",  # noqa: S608
            list(machine_ids),
        )
        found = {str(m): int(s) for m, s in rows}
        return {m: found.get(m, 0) for m in machine_ids}

    def dirty_hours(
        self, machine_ids: Sequence[str] | None, start_ms: int, end_ms: int
    ) -> list[tuple[str, int]]:
        """Dirty (machine, hour start) pairs in [start, end)."""
        sql = "SELECT machine_id, hour_ms FROM kpi_rollup_dirty WHERE hour_ms >= ? AND hour_ms < ?"
        params: list[Any] = [start_ms, end_ms]
        if machine_ids is not None:
            sql += f" AND machine_id IN ({_in(machine_ids)})"
            params += list(machine_ids)
        rows = self._reader().execute(sql + " ORDER BY machine_id, hour_ms", params)
        return [(str(m), int(h)) for m, h in rows]

    def claim_hours(self, hours: Sequence[Hour]) -> dict[Hour, int]:
        """Mark hours about to be computed from raw; return each one's generation."""
        with self._transaction() as conn:
            return claim(conn, hours)

    def save_rollups(
        self, hours: Sequence[RollupRow], minutes: Sequence[RollupRow], claims: Mapping[Hour, int]
    ) -> set[Hour]:
        """Store the claimed hours whose generation is unchanged; return the others."""
        with self._transaction() as conn:
            current = generations(conn, list(claims))
            keep = {k for k, gen in claims.items() if current.get(k) == gen}
            _replace_hours(conn, sorted(keep), [r for r in hours if _key(r) in keep])
            _upsert(conn, "minute", [r for r in minutes if _key(r, HOUR_MS) in keep])
        return {*claims, *map(_key, hours)} - keep

    def rollup_sums(
        self, machine_ids: Sequence[str], start_ms: int, end_ms: int, grain: Grain
    ) -> dict[str, RollupSum]:
        """Sums of each machine's valid buckets with start in [start, end)."""
        d0, d1 = -(-start_ms // DAY_MS) * DAY_MS, end_ms - end_ms % DAY_MS
        if grain == "hour" and d0 < d1:
            return self._sums_by_day(machine_ids, start_ms, end_ms, d0, d1)
        guard = _NOT_DIRTY if self._any_dirty(machine_ids, start_ms, end_ms) else ""
        rows = self._reader().execute(
            f"SELECT machine_id, count(*), {_SUMS} FROM {_TABLE[grain]} r"  # noqa: S608
            f" WHERE machine_id IN ({_in(machine_ids)}) AND start_ms >= ? AND start_ms < ?"
            f"{guard} GROUP BY machine_id",
            [*machine_ids, start_ms, end_ms],
        )
        return {str(r[0]): RollupSum(int(r[1]), tuple(int(v) for v in r[2:])) for r in rows}

    def _sums_by_day(
        self, machine_ids: Sequence[str], start_ms: int, end_ms: int, d0: int, d1: int
    ) -> dict[str, RollupSum]:
        """Hourly sums: whole days [d0, d1) from the daily rows unless an hour is dirty."""
        days, hours = self._split_by_day(
            machine_ids,
            (start_ms, end_ms, d0, d1),
            _SUMS_DAYS,
            ("kpi_rollup_hour", f"r.machine_id, {_HOUR_COLS}"),
            f"SELECT machine_id, count(*), {_PLAIN_SUMS} FROM ({{inner}}) GROUP BY machine_id",  # noqa: S608
        )
        totals: dict[str, list[int]] = {}
        for r in (*days, *hours):
            got = [int(v) for v in r[1:]]
            have = totals.get(str(r[0]))
            totals[str(r[0])] = (
                got if have is None else [a + b for a, b in zip(have, got, strict=True)]
            )
        out: dict[str, RollupSum] = {}
        for machine_id, (buckets, *values) in totals.items():
            values[_ORDER] = 1 if values[_ORDER] == buckets else 0
            out[machine_id] = RollupSum(buckets, tuple(values))
        return out

    def _split_by_day(
        self,
        machine_ids: Sequence[str],
        span: tuple[int, int, int, int],
        days_sql: str,
        hours: tuple[str, str],
        grouped: str,
    ) -> tuple[list[Any], list[Any]]:
        """Rows of the daily query over [d0, d1) and of the grouped hourly rows around it."""
        start_ms, end_ms, d0, d1 = span
        dirty = self._any_dirty(machine_ids, start_ms, end_ms)
        ids, (table, cols) = _in(machine_ids), hours
        conn = self._reader()
        day_rows = conn.execute(
            days_sql.format(ids=ids, guard=_DAY_GUARD if dirty else ""), [*machine_ids, d0, d1]
        ).fetchall()
        not_dirty = _NOT_DIRTY if dirty else ""
        inner = _EDGE_HOURS.format(cols=cols, table=table, ids=ids, not_dirty=not_dirty)
        params: list[Any] = [*machine_ids, start_ms, d0, d1, end_ms]
        if dirty:
            inner += _DIRTY_DAY_HOURS.format(cols=cols, table=table, ids=ids, not_dirty=not_dirty)
            params += [*machine_ids, d0, d1]
        hour_rows = conn.execute(grouped.format(inner=inner), params).fetchall()
        return day_rows, hour_rows

    def rollup_starts(self, machine_id: str, start_ms: int, end_ms: int, grain: Grain) -> list[int]:
        """Starts of a machine's valid buckets in [start, end)."""
        rows = self._reader().execute(
            f"SELECT start_ms FROM {_TABLE[grain]} r WHERE machine_id = ?"  # noqa: S608
            f" AND start_ms >= ? AND start_ms < ?{_NOT_DIRTY} ORDER BY start_ms",
            (machine_id, start_ms, end_ms),
        )
        return [int(r[0]) for r in rows]

    def rollup_downtime(
        self, machine_ids: Sequence[str], start_ms: int, end_ms: int
    ) -> dict[tuple[str, str, str], int]:
        """Downtime ms by (machine, state, reason) over valid hours in [start, end)."""
        d0, d1 = -(-start_ms // DAY_MS) * DAY_MS, end_ms - end_ms % DAY_MS
        ids = _in(machine_ids)
        if d1 <= d0:
            guard = _NOT_DIRTY if self._any_dirty(machine_ids, start_ms, end_ms) else ""
            query = (
                "SELECT machine_id, state, reason, sum(ms) FROM kpi_rollup_downtime r"  # noqa: S608
                f" WHERE machine_id IN ({ids}) AND start_ms >= ? AND start_ms < ?"
                f"{guard} GROUP BY machine_id, state, reason"
            )
            params: list[Any] = [*machine_ids, start_ms, end_ms]
            rows = self._reader().execute(query, params)
            return {(str(m), str(s), str(r)): int(ms) for m, s, r, ms in rows}
        days, hours = self._split_by_day(
            machine_ids,
            (start_ms, end_ms, d0, d1),
            _DOWNTIME_DAYS,
            ("kpi_rollup_downtime", "r.machine_id, r.state, r.reason, r.ms"),
            "SELECT machine_id, state, reason, sum(ms) FROM ({inner})"
            " GROUP BY machine_id, state, reason",
        )
        out: dict[tuple[str, str, str], int] = {}
        for m, state, reason, ms in (*days, *hours):
            key = (str(m), str(state), str(reason))
            out[key] = out.get(key, 0) + int(ms)
        return out

    def _any_dirty(self, machine_ids: Sequence[str], start_ms: int, end_ms: int) -> bool:
        """Whether any hour of these machines in the range is dirty (most often: none)."""
        # A minute row's hour may start before start_ms: look one hour back.
        row = (
            self._reader()
            .execute(
                "SELECT 1 FROM kpi_rollup_dirty WHERE hour_ms >= ? AND hour_ms < ?"  # noqa: S608
                f" AND machine_id IN ({_in(machine_ids)}) LIMIT 1",
                [start_ms - HOUR_MS, end_ms, *machine_ids],
            )
            .fetchone()
        )
        return row is not None

    def _mark_rollups_dirty(
        self,
        conn: sqlite3.Connection,
        states: Sequence[tuple[object, ...]],
        counts: Sequence[tuple[object, ...]],
        samples: Sequence[tuple[object, ...]],
        frames: Sequence[FrameMark] = (),
    ) -> None:
        """In the write transaction: mark the rolled-up and claimed hours a write reaches."""
        mark_dirty(conn, states, counts, samples, frames)


def _key(r: RollupRow, grain_ms: int = 1) -> Hour:
    """The (machine, hour) a row belongs to (a minute row: ``grain_ms`` = HOUR_MS)."""
    return r.machine_id, r.start_ms - r.start_ms % grain_ms


def _row_params(r: RollupRow) -> tuple[object, ...]:
    return (r.machine_id, r.start_ms, *r.values)


def _upsert(conn: sqlite3.Connection, grain: Grain, rows: Sequence[RollupRow]) -> None:
    if not rows:
        return
    marks = ",".join("?" * (len(ROLLUP_COLUMNS) + 2))
    conn.executemany(
        f"INSERT OR REPLACE INTO {_TABLE[grain]} (machine_id, start_ms, {_COLS})"  # noqa: S608
        f" VALUES ({marks})",
        [_row_params(r) for r in rows],
    )


def _replace_hours(
    conn: sqlite3.Connection, keys: Sequence[Hour], rows: Sequence[RollupRow]
) -> None:
    """Replace the hours of ``keys`` (and their detail) by ``rows``; clear their dirty marks."""
    conn.executemany("DELETE FROM kpi_rollup_downtime WHERE machine_id = ? AND start_ms = ?", keys)
    conn.executemany(
        "DELETE FROM kpi_rollup_minute WHERE machine_id = ? AND start_ms >= ? AND start_ms < ?",
        [(m, h, h + HOUR_MS) for m, h in keys],
    )
    conn.executemany("DELETE FROM kpi_rollup_dirty WHERE machine_id = ? AND hour_ms = ?", keys)
    # Delete, then insert: a REPLACE would not fire the daily sums' delete trigger (0022).
    conn.executemany("DELETE FROM kpi_rollup_hour WHERE machine_id = ? AND start_ms = ?", keys)
    _upsert(conn, "hour", rows)
    conn.executemany(
        "INSERT INTO kpi_rollup_downtime VALUES (?, ?, ?, ?, ?)",
        [
            (r.machine_id, r.start_ms, state, reason, ms)
            for r in rows
            for (state, reason), ms in r.downtime.items()
        ],
    )
