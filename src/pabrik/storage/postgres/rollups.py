"""PostgreSQL implementation of the rollup store, mixed into ``PostgresStore``.

Writes, claims and saves serialise per machine on its write sequence row (see
``rollup_marks``), so a rollup computed before a concurrent write to its hour is never saved.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any

from pabrik.storage.postgres.rollup_marks import (
    Conn,
    configs,
    generations,
    lock_seqs,
    mark_rollups_dirty,
)
from pabrik.storage.rollups import (
    HOUR_MS,
    ROLLUP_COLUMNS,
    Grain,
    Hour,
    RollupConfig,
    RollupRow,
    RollupSum,
)

__all__ = ["PgRollups", "mark_rollups_dirty"]

_TABLE: dict[str, str] = {"hour": "kpi_rollup_hour", "minute": "kpi_rollup_minute"}
_COLS = ", ".join(ROLLUP_COLUMNS)
_SUMS = ", ".join("min(order_data)" if c == "order_data" else f"sum({c})" for c in ROLLUP_COLUMNS)
_NOT_DIRTY = (
    " AND NOT EXISTS (SELECT 1 FROM kpi_rollup_dirty d WHERE d.machine_id = r.machine_id"
    " AND d.hour_ms = r.start_ms - mod(r.start_ms, 3600000))"
)
DAY_MS = 86_400_000
ANALYZE_AFTER_HOURS = 50_000
_BY_DAY = (
    "SELECT machine_id, state, reason, sum(ms) FROM ("  # noqa: S608 - constant text
    " SELECT d.machine_id, d.state, d.reason, d.ms FROM kpi_rollup_downtime_day d"
    " WHERE d.machine_id = ANY(%s) AND d.day_ms >= %s AND d.day_ms < %s"
    " AND NOT EXISTS (SELECT 1 FROM kpi_rollup_dirty x WHERE x.machine_id = d.machine_id"
    " AND x.hour_ms >= d.day_ms AND x.hour_ms < d.day_ms + 86400000)"
    " UNION ALL"
    " SELECT r.machine_id, r.state, r.reason, r.ms FROM kpi_rollup_downtime r"
    " WHERE r.machine_id = ANY(%s)"
    " AND ((r.start_ms >= %s AND r.start_ms < %s) OR (r.start_ms >= %s AND r.start_ms < %s))"
    f"{_NOT_DIRTY}"
    " UNION ALL"
    " SELECT r.machine_id, r.state, r.reason, r.ms FROM (SELECT DISTINCT machine_id,"
    " hour_ms - mod(hour_ms, 86400000) AS day_ms FROM kpi_rollup_dirty"
    " WHERE machine_id = ANY(%s) AND hour_ms >= %s AND hour_ms < %s) dd"
    " JOIN kpi_rollup_downtime r ON r.machine_id = dd.machine_id"
    " AND r.start_ms >= dd.day_ms AND r.start_ms < dd.day_ms + 86400000"
    f"{_NOT_DIRTY}"
    ") u GROUP BY machine_id, state, reason"
)


# Hourly sums over whole days from kpi_rollup_day (0022) unless an hour of the day is dirty;
# the hours of the ragged ends and of days with a dirty hour from the hourly rows. Order
# data is 0/1 per hour and summed here: every hour had it when the sum equals the count.
_DAY_COLS = ", ".join(f"d.{c}" for c in ROLLUP_COLUMNS)
_HOUR_COLS = ", ".join(f"r.{c}" for c in ROLLUP_COLUMNS)
_ORDER = ROLLUP_COLUMNS.index("order_data")
_PLAIN_SUMS = ", ".join(f"sum({c})" for c in ROLLUP_COLUMNS)
_SUMS_BY_DAY = (
    f"SELECT machine_id, sum(n), {_PLAIN_SUMS} FROM ("  # noqa: S608 - constant text
    f" SELECT d.machine_id, d.n, {_DAY_COLS} FROM kpi_rollup_day d"
    " WHERE d.machine_id = ANY(%s) AND d.day_ms >= %s AND d.day_ms < %s"
    " AND NOT EXISTS (SELECT 1 FROM kpi_rollup_dirty x WHERE x.machine_id = d.machine_id"
    " AND x.hour_ms >= d.day_ms AND x.hour_ms < d.day_ms + 86400000)"
    " UNION ALL"
    f" SELECT r.machine_id, 1, {_HOUR_COLS} FROM kpi_rollup_hour r"
    " WHERE r.machine_id = ANY(%s)"
    " AND ((r.start_ms >= %s AND r.start_ms < %s) OR (r.start_ms >= %s AND r.start_ms < %s))"
    f"{_NOT_DIRTY}"
    " UNION ALL"
    f" SELECT r.machine_id, 1, {_HOUR_COLS} FROM (SELECT DISTINCT machine_id,"
    " hour_ms - mod(hour_ms, 86400000) AS day_ms FROM kpi_rollup_dirty"
    " WHERE machine_id = ANY(%s) AND hour_ms >= %s AND hour_ms < %s) dd"
    " JOIN kpi_rollup_hour r ON r.machine_id = dd.machine_id"
    " AND r.start_ms >= dd.day_ms AND r.start_ms < dd.day_ms + 86400000"
    f"{_NOT_DIRTY}"
    ") u GROUP BY machine_id"
)


class PgRollups:
    """Rollup tables in the same database as the raw records."""

    def _conn(self) -> AbstractContextManager[Conn]:
        raise NotImplementedError

    def rollup_configs(self) -> dict[str, RollupConfig]:
        """The configuration each machine's rollups were computed with."""
        with self._conn() as conn:
            return configs(conn)

    def reset_rollups(self, machine_id: str, config: RollupConfig) -> None:
        """Drop a machine's rollups and record the configuration of the next ones."""
        with self._conn() as conn, conn.transaction():
            for table in (*_TABLE.values(), "kpi_rollup_downtime"):
                conn.execute(f"DELETE FROM {table} WHERE machine_id = %s", (machine_id,))  # noqa: S608
            conn.execute("DELETE FROM kpi_rollup_dirty WHERE machine_id = %s", (machine_id,))
            conn.execute(
                "INSERT INTO kpi_rollup_config (machine_id, fingerprint, state_margin_ms,"
                " count_margin_ms, sample_margin_ms, energy_signal)"
                " VALUES (%s, %s, %s, %s, %s, %s)"
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
        with self._conn() as conn:
            rows = conn.execute(
                "SELECT machine_id, seq FROM kpi_rollup_seq WHERE machine_id = ANY(%s)",
                (list(machine_ids),),
            ).fetchall()
        found = {str(m): int(s) for m, s in rows}
        return {m: found.get(m, 0) for m in machine_ids}

    def dirty_hours(
        self, machine_ids: Sequence[str] | None, start_ms: int, end_ms: int
    ) -> list[tuple[str, int]]:
        """Dirty (machine, hour start) pairs in [start, end)."""
        with self._conn() as conn:
            rows = conn.execute(
                "SELECT machine_id, hour_ms FROM kpi_rollup_dirty WHERE hour_ms >= %s"
                " AND hour_ms < %s AND (%s::text[] IS NULL OR machine_id = ANY(%s::text[]))"
                " ORDER BY machine_id, hour_ms",
                (start_ms, end_ms, _maybe_list(machine_ids), _maybe_list(machine_ids)),
            ).fetchall()
        return [(str(m), int(h)) for m, h in rows]

    def claim_hours(self, hours: Sequence[Hour]) -> dict[Hour, int]:
        """Mark hours about to be computed from raw; return each one's generation."""
        with self._conn() as conn, conn.transaction():
            seq = lock_seqs(conn, [m for m, _ in hours])
            with conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO kpi_rollup_dirty (machine_id, hour_ms, gen)"
                    " VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
                    [(m, h, seq[m]) for m, h in hours],
                )
            return generations(conn, hours)

    def save_rollups(
        self, hours: Sequence[RollupRow], minutes: Sequence[RollupRow], claims: Mapping[Hour, int]
    ) -> set[Hour]:
        """Store the claimed hours whose generation is unchanged; return the others."""
        with self._conn() as conn, conn.transaction():
            lock_seqs(conn, [m for m, _ in claims])
            current = generations(conn, list(claims))
            keep = {k for k, gen in claims.items() if current.get(k) == gen}
            _replace_hours(conn, sorted(keep), [r for r in hours if _key(r) in keep])
            _upsert(conn, "minute", [r for r in minutes if _key(r, HOUR_MS) in keep])
        self._note_saved(len(keep))
        return {*claims, *map(_key, hours)} - keep

    def _note_saved(self, hours: int) -> None:
        """Refresh the planner's statistics of the rollup tables after a large build.

        Right after a build the statistics still describe the empty tables, and the year's
        sums get a plan that sorts on disk (3x slower); autovacuum comes later.
        """
        saved = getattr(self, "_rollups_saved", 0) + hours
        if saved >= ANALYZE_AFTER_HOURS:
            with self._conn() as conn:
                conn.execute(
                    "ANALYZE kpi_rollup_hour, kpi_rollup_day, kpi_rollup_downtime,"
                    " kpi_rollup_downtime_day"
                )
            saved = 0
        self._rollups_saved = saved

    def rollup_sums(
        self, machine_ids: Sequence[str], start_ms: int, end_ms: int, grain: Grain
    ) -> dict[str, RollupSum]:
        """Sums of each machine's valid buckets with start in [start, end)."""
        d0, d1 = -(-start_ms // DAY_MS) * DAY_MS, end_ms - end_ms % DAY_MS
        if grain == "hour" and d0 < d1:
            return self._sums_by_day(machine_ids, start_ms, end_ms, d0, d1)
        with self._conn() as conn:
            rows = conn.execute(
                f"SELECT machine_id, count(*), {_SUMS} FROM {_TABLE[grain]} r"  # noqa: S608
                " WHERE machine_id = ANY(%s) AND start_ms >= %s AND start_ms < %s"
                f"{_NOT_DIRTY} GROUP BY machine_id",
                (list(machine_ids), start_ms, end_ms),
            ).fetchall()
        return {str(r[0]): RollupSum(int(r[1]), tuple(int(v) for v in r[2:])) for r in rows}

    def _sums_by_day(
        self, machine_ids: Sequence[str], start_ms: int, end_ms: int, d0: int, d1: int
    ) -> dict[str, RollupSum]:
        """Hourly sums: whole days [d0, d1) from the daily rows unless an hour is dirty."""
        ids = list(machine_ids)
        params = (ids, d0, d1, ids, start_ms, d0, d1, end_ms, ids, d0, d1)
        with self._conn() as conn:
            rows = conn.execute(_SUMS_BY_DAY, params).fetchall()
        out: dict[str, RollupSum] = {}
        for r in rows:
            buckets, values = int(r[1]), [int(v) for v in r[2:]]
            values[_ORDER] = 1 if values[_ORDER] == buckets else 0
            out[str(r[0])] = RollupSum(buckets, tuple(values))
        return out

    def rollup_starts(self, machine_id: str, start_ms: int, end_ms: int, grain: Grain) -> list[int]:
        """Starts of a machine's valid buckets in [start, end)."""
        with self._conn() as conn:
            rows = conn.execute(
                f"SELECT start_ms FROM {_TABLE[grain]} r WHERE machine_id = %s"  # noqa: S608
                f" AND start_ms >= %s AND start_ms < %s{_NOT_DIRTY} ORDER BY start_ms",
                (machine_id, start_ms, end_ms),
            ).fetchall()
        return [int(r[0]) for r in rows]

    def rollup_downtime(
        self, machine_ids: Sequence[str], start_ms: int, end_ms: int
    ) -> dict[tuple[str, str, str], int]:
        """Downtime ms by (machine, state, reason) over valid hours in [start, end)."""
        d0, d1 = -(-start_ms // DAY_MS) * DAY_MS, end_ms - end_ms % DAY_MS
        ids = list(machine_ids)
        if d1 <= d0:
            query = (
                "SELECT machine_id, state, reason, sum(ms) FROM kpi_rollup_downtime r"  # noqa: S608
                " WHERE machine_id = ANY(%s) AND start_ms >= %s AND start_ms < %s"
                f"{_NOT_DIRTY} GROUP BY machine_id, state, reason"
            )
            params: tuple[Any, ...] = (ids, start_ms, end_ms)
        else:
            # Whole days from the daily sums, unless an hour of the day is dirty; the hours
            # of the ragged ends and of days with a dirty hour from the hourly rows.
            query = _BY_DAY
            params = (ids, d0, d1, ids, start_ms, d0, d1, end_ms, ids, d0, d1)
        with self._conn() as conn:
            rows = conn.execute(query, params).fetchall()
        return {(str(m), str(s), str(r)): int(ms) for m, s, r, ms in rows}


def _maybe_list(values: Sequence[str] | None) -> list[str] | None:
    return None if values is None else list(values)


def _key(r: RollupRow, grain_ms: int = 1) -> Hour:
    """The (machine, hour) a row belongs to (a minute row: ``grain_ms`` = HOUR_MS)."""
    return r.machine_id, r.start_ms - r.start_ms % grain_ms


def _row_params(r: RollupRow) -> tuple[object, ...]:
    return (r.machine_id, r.start_ms, *r.values)


def _upsert(conn: Conn, grain: Grain, rows: Sequence[RollupRow]) -> None:
    if not rows:
        return
    marks = ", ".join(["%s"] * (len(ROLLUP_COLUMNS) + 2))
    updates = ", ".join(f"{c} = excluded.{c}" for c in ROLLUP_COLUMNS)
    with conn.cursor() as cur:
        cur.executemany(
            f"INSERT INTO {_TABLE[grain]} (machine_id, start_ms, {_COLS})"  # noqa: S608
            f" VALUES ({marks}) ON CONFLICT (machine_id, start_ms) DO UPDATE SET {updates}",
            [_row_params(r) for r in rows],
        )


def _replace_hours(conn: Conn, keys: Sequence[Hour], rows: Sequence[RollupRow]) -> None:
    """Replace the hours of ``keys`` (and their detail) by ``rows``; clear their dirty marks."""
    if not keys:
        return
    with conn.cursor() as cur:
        cur.executemany(
            "DELETE FROM kpi_rollup_downtime WHERE machine_id = %s AND start_ms = %s", keys
        )
        cur.executemany(
            "DELETE FROM kpi_rollup_minute WHERE machine_id = %s AND start_ms >= %s"
            " AND start_ms < %s",
            [(m, h, h + HOUR_MS) for m, h in keys],
        )
        cur.executemany("DELETE FROM kpi_rollup_dirty WHERE machine_id = %s AND hour_ms = %s", keys)
        # An hour recomputed without a row (not whole in its units) loses its old one.
        gone = sorted(set(keys) - {_key(r) for r in rows})
        cur.executemany("DELETE FROM kpi_rollup_hour WHERE machine_id = %s AND start_ms = %s", gone)
    _upsert(conn, "hour", rows)
    downtime = [
        (r.machine_id, r.start_ms, state, reason, ms)
        for r in rows
        for (state, reason), ms in r.downtime.items()
    ]
    if downtime:
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO kpi_rollup_downtime VALUES (%s, %s, %s, %s, %s)", downtime)
