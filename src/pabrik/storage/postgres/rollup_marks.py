"""PostgreSQL: which rolled-up hours a write reaches, marked dirty in the write's transaction.

Several workers write at once here, unlike SQLite's single writer, so each machine's write
sequence is a row that serialises them per machine: a write bumps it (and holds its lock to
commit) before it marks hours, and a recompute's claim and save lock it too. So a claim
waits for a write in flight and a write after the claim sees the claimed hour.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

import psycopg

from pabrik.model.records import from_epoch_ms, to_epoch_ms
from pabrik.storage.rollups import HOUR_MS, Hour, RollupConfig

Conn = psycopg.Connection[tuple[Any, ...]]
_FAR = 1 << 62
# Sorted, so two writers lock sequence rows in the same order and never deadlock.
_BUMP = (
    "INSERT INTO kpi_rollup_seq SELECT m, 1 FROM unnest(%s::text[]) AS m ORDER BY m"
    " ON CONFLICT (machine_id) DO UPDATE SET seq = kpi_rollup_seq.seq + 1"
    " RETURNING machine_id, seq"
)
# A claimed hour (dirty, maybe without a row yet) takes the write's generation; a rolled-up
# hour not yet dirty becomes dirty with it.
_REMARK = (
    "UPDATE kpi_rollup_dirty SET gen = %s WHERE machine_id = %s AND hour_ms >= %s AND hour_ms <= %s"
)
_MARK = (
    "INSERT INTO kpi_rollup_dirty (machine_id, hour_ms, gen) SELECT machine_id, start_ms, %s"
    " FROM kpi_rollup_hour WHERE machine_id = %s AND start_ms >= %s AND start_ms <= %s"
    " ON CONFLICT DO NOTHING"
)


def configs(conn: Conn) -> dict[str, RollupConfig]:
    """The configuration each machine's rollups were computed with."""
    rows = conn.execute(
        "SELECT machine_id, fingerprint, state_margin_ms, count_margin_ms, sample_margin_ms,"
        " energy_signal FROM kpi_rollup_config"
    ).fetchall()
    return {
        str(r[0]): RollupConfig(
            str(r[1]), int(r[2]), int(r[3]), int(r[4]), None if r[5] is None else str(r[5])
        )
        for r in rows
    }


def mark_rollups_dirty(conn: Conn, tables: Mapping[str, Sequence[tuple[Any, ...]]]) -> None:
    """In the write transaction: bump sequences, mark the rolled-up and claimed hours reached.

    Rows are the tables' columns in COPY order (batch_copy), with instants in epoch ms.

    Samples of a signal no rollup reads neither bump nor mark; those of a machine without
    rollups still bump, as its first claim may be under way.
    """
    known = configs(conn)
    samples = [
        r
        for r in tables.get("samples", ())
        if (c := known.get(r[0])) is None or c.energy_signal == r[1]
    ]
    feeding = {"states": tables.get("states", ()), "counts": tables.get("counts", ())}
    touched = sorted({str(r[0]) for rows in (*feeding.values(), samples) for r in rows})
    if not touched:
        return
    seq = {str(m): int(s) for m, s in conn.execute(_BUMP, (touched,)).fetchall()}
    if not known:
        return
    with conn.cursor() as cur:
        for m, lo, hi in _reaches(conn, known, {**feeding, "samples": samples}):
            params = (seq[m], m, lo - lo % HOUR_MS, hi)
            cur.execute(_REMARK, params)
            cur.execute(_MARK, params)


def in_epoch_ms(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """A row keyed by ``datetime`` (a correction's), with its instants in epoch ms."""
    return tuple(to_epoch_ms(v) if isinstance(v, datetime) else v for v in row)


def lock_seqs(conn: Conn, machine_ids: Sequence[str]) -> dict[str, int]:
    """Lock the machines' sequence rows (made first if missing); return their values."""
    machines = sorted(set(machine_ids))
    conn.execute(
        "INSERT INTO kpi_rollup_seq SELECT m, 0 FROM unnest(%s::text[]) AS m"
        " ORDER BY m ON CONFLICT DO NOTHING",
        (machines,),
    )
    rows = conn.execute(
        "SELECT machine_id, seq FROM kpi_rollup_seq WHERE machine_id = ANY(%s)"
        " ORDER BY 1 FOR UPDATE",
        (machines,),
    ).fetchall()
    return {str(m): int(s) for m, s in rows}


def generations(conn: Conn, hours: Sequence[Hour]) -> dict[Hour, int]:
    """The generation of each of these hours that is dirty."""
    rows = conn.execute(
        "SELECT d.machine_id, d.hour_ms, d.gen FROM kpi_rollup_dirty d"
        " JOIN unnest(%s::text[], %s::bigint[]) AS k (m, h)"
        " ON d.machine_id = k.m AND d.hour_ms = k.h",
        ([m for m, _ in hours], [h for _, h in hours]),
    ).fetchall()
    return {(str(m), int(h)): int(g) for m, h, g in rows}


def _span(rows: Sequence[tuple[Any, ...]], ts_at: int) -> dict[str, tuple[int, int]]:
    """Per machine: the earliest and latest instant in the rows (epoch milliseconds)."""
    found: dict[str, tuple[int, int]] = {}
    for r in rows:
        m, ts = r[0], r[ts_at]
        lo_hi = found.get(m)
        if lo_hi is None:
            found[m] = (ts, ts)
        elif ts < lo_hi[0] or ts > lo_hi[1]:
            found[m] = (min(lo_hi[0], ts), max(lo_hi[1], ts))
    return {str(m): lo_hi for m, lo_hi in found.items()}


def _reaches(
    conn: Conn, known: Mapping[str, RollupConfig], tables: Mapping[str, Sequence[tuple[Any, ...]]]
) -> Iterator[tuple[str, int, int]]:
    """(machine, from, to) ranges of time whose rollups a written batch can change."""
    for m, (lo, hi) in _span(tables.get("states", ()), 1).items():
        if m not in known:
            continue
        margin = known[m].state_margin_ms
        # A state lasts until the next record, and the last one lasts to any window's end.
        row = conn.execute(
            "SELECT min(ts) FROM states WHERE machine_id = %s AND ts > %s",
            (m, from_epoch_ms(hi)),
        ).fetchone()
        nxt = None if row is None or row[0] is None else to_epoch_ms(row[0])
        yield m, lo - margin, _FAR if nxt is None else nxt + margin
    for m, (lo, hi) in _span(tables.get("counts", ()), 1).items():
        if m not in known:
            continue
        margin = known[m].count_margin_ms
        # A count covers the time since the count before it, at most a period: reach back
        # to that count, else a period and 1 ms (a count at an hour's very end is its).
        row = conn.execute(
            "SELECT ts FROM counts WHERE machine_id = %s AND ts >= %s AND ts < %s"
            " ORDER BY ts DESC LIMIT 1",
            (m, from_epoch_ms(lo - margin), from_epoch_ms(lo)),
        ).fetchone()
        yield m, lo - margin - 1 if row is None else to_epoch_ms(row[0]), hi + margin
    for m, (lo, hi) in _span(tables.get("samples", ()), 2).items():
        if m not in known:
            continue
        gap = known[m].sample_margin_ms
        # A meter reading changes the delta from the usable reading before it (if within the
        # gap) and the ones after: reach back to that reading, not a whole gap.
        row = conn.execute(
            "SELECT ts FROM samples WHERE machine_id = %s AND signal_id = %s AND ts >= %s"
            " AND ts < %s AND quality <> 'bad' ORDER BY ts DESC LIMIT 1",
            (m, known[m].energy_signal, from_epoch_ms(lo - gap), from_epoch_ms(lo)),
        ).fetchone()
        yield m, lo if row is None else to_epoch_ms(row[0]), hi + 2 * gap
