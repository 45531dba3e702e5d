"""SQLite: which rolled-up hours a write reaches, marked dirty in the write's transaction."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from itertools import compress
from operator import itemgetter
from typing import Any

from pabrik.storage.rollups import HOUR_MS, Hour, RollupConfig
from pabrik.storage.sqlite.frames import FrameMark

_FAR = 1 << 62
_MACHINE_SIGNAL = itemgetter(0, 1)
_BUMP = (
    "INSERT INTO kpi_rollup_seq VALUES (?, 1) ON CONFLICT (machine_id) DO UPDATE SET seq = seq + 1"
)
# A claimed hour (dirty, maybe without a row yet) takes the write's generation; a rolled-up
# hour not yet dirty becomes dirty with it.
_REMARK = (
    "UPDATE kpi_rollup_dirty SET gen = ? WHERE machine_id = ? AND hour_ms >= ? AND hour_ms <= ?"
)
_MARK = (
    "INSERT INTO kpi_rollup_dirty (machine_id, hour_ms, gen) SELECT machine_id, start_ms, ?"
    " FROM kpi_rollup_hour WHERE machine_id = ? AND start_ms >= ? AND start_ms <= ?"
    " ON CONFLICT DO NOTHING"
)
_CLAIM = (
    "INSERT INTO kpi_rollup_dirty (machine_id, hour_ms, gen) VALUES (?, ?,"
    " coalesce((SELECT seq FROM kpi_rollup_seq WHERE machine_id = ?), 0))"
    " ON CONFLICT DO NOTHING"
)


def configs(conn: sqlite3.Connection) -> dict[str, RollupConfig]:
    """The configuration each machine's rollups were computed with."""
    rows = conn.execute(
        "SELECT machine_id, fingerprint, state_margin_ms, count_margin_ms, sample_margin_ms,"
        " energy_signal FROM kpi_rollup_config"
    )
    return {
        str(r[0]): RollupConfig(
            str(r[1]), int(r[2]), int(r[3]), int(r[4]), None if r[5] is None else str(r[5])
        )
        for r in rows
    }


def mark_dirty(
    conn: sqlite3.Connection,
    states: Sequence[tuple[object, ...]],
    counts: Sequence[tuple[object, ...]],
    samples: Sequence[tuple[object, ...]],
    frames: Sequence[FrameMark] = (),
) -> None:
    """Mark the hours a write reaches dirty, with the machine's next write sequence.

    Only machines with rollups are marked, and only by the records rollups read: states,
    counts and samples of the energy signal (a frame that holds it marks as its sample
    would). The single writer makes this safe: a recompute claims its hours in a
    transaction of its own, before it reads the raw records.
    """
    if not (states or counts or samples or frames):
        return
    known = configs(conn)
    if not known:
        return  # no rollups yet: nothing to mark
    if samples or frames:
        energy = {(m, c.energy_signal) for m, c in known.items() if c.energy_signal}
        samples = list(compress(samples, map(energy.__contains__, map(_MACHINE_SIGNAL, samples))))
        for m, signals, ts_ms in frames:
            c = known.get(m)
            if c is not None and c.energy_signal is not None and c.energy_signal in signals:
                samples.append((m, c.energy_signal, ts_ms))
    reaches = list(_reaches(conn, known, states, counts, samples))
    if not reaches:
        return
    machines = sorted({m for m, _, _ in reaches})
    conn.executemany(_BUMP, [(m,) for m in machines])
    seq = dict(
        conn.execute(
            f"SELECT machine_id, seq FROM kpi_rollup_seq WHERE machine_id IN ({_marks(machines)})",  # noqa: S608
            machines,
        ).fetchall()
    )
    for m, lo, hi in reaches:
        params = (seq[m], m, lo - lo % HOUR_MS, hi)
        conn.execute(_REMARK, params)
        conn.execute(_MARK, params)


def claim(conn: sqlite3.Connection, hours: Sequence[Hour]) -> dict[Hour, int]:
    """Claim hours for a recompute; return each one's generation."""
    conn.executemany(_CLAIM, [(m, h, m) for m, h in hours])
    return generations(conn, hours)


def generations(conn: sqlite3.Connection, hours: Sequence[Hour]) -> dict[Hour, int]:
    """The generation of each of these hours that is dirty."""
    by_machine: dict[str, list[int]] = {}
    for m, h in hours:
        by_machine.setdefault(m, []).append(h)
    out: dict[Hour, int] = {}
    for m, starts in by_machine.items():
        wanted = set(starts)
        rows = conn.execute(
            "SELECT hour_ms, gen FROM kpi_rollup_dirty WHERE machine_id = ?"
            " AND hour_ms >= ? AND hour_ms <= ?",
            (m, min(starts), max(starts)),
        )
        out.update({(m, int(h)): int(g) for h, g in rows if h in wanted})
    return out


def _marks(values: Sequence[object]) -> str:
    return ",".join("?" * len(values))


def _span(rows: Sequence[tuple[object, ...]], ts_at: int = 1) -> dict[str, tuple[int, int]]:
    """Per machine: the earliest and latest timestamp in the rows."""
    groups: dict[object, list[Any]] = {}
    for m, ts in zip(map(itemgetter(0), rows), map(itemgetter(ts_at), rows), strict=True):
        group = groups.get(m)
        if group is None:
            groups[m] = [ts]
        else:
            group.append(ts)
    return {str(m): (int(min(g)), int(max(g))) for m, g in groups.items()}


def _reaches(
    conn: sqlite3.Connection,
    known: Mapping[str, RollupConfig],
    states: Sequence[tuple[object, ...]],
    counts: Sequence[tuple[object, ...]],
    samples: Sequence[tuple[object, ...]],
) -> Iterator[tuple[str, int, int]]:
    """(machine, from, to) ranges of time whose rollups a written batch can change."""
    for m, (lo, hi) in _span(states).items():
        if m not in known:
            continue
        margin = known[m].state_margin_ms
        # A state lasts until the next record, and the last one lasts to any window's end.
        nxt = conn.execute(
            "SELECT min(ts_ms) FROM states WHERE machine_id = ? AND ts_ms > ?", (m, hi)
        ).fetchone()[0]
        yield m, lo - margin, _FAR if nxt is None else int(nxt) + margin
    for m, (lo, hi) in _span(counts).items():
        if m not in known:
            continue
        margin = known[m].count_margin_ms
        # A count covers the time since the count before it, at most a period: reach back
        # to that count, else a period and 1 ms (a count at an hour's very end is its).
        prev = conn.execute(
            "SELECT ts_ms FROM counts WHERE machine_id = ? AND ts_ms >= ? AND ts_ms < ?"
            " ORDER BY ts_ms DESC LIMIT 1",
            (m, lo - margin, lo),
        ).fetchone()
        yield m, lo - margin - 1 if prev is None else int(prev[0]), hi + margin
    for m, (lo, hi) in _span(samples, ts_at=2).items():
        gap = known[m].sample_margin_ms
        # A meter reading changes the delta from the usable reading before it (if within the
        # gap) and the ones after: reach back to that reading, not a whole gap.
        prev = conn.execute(
            "SELECT ts_ms FROM all_samples WHERE machine_id = ? AND signal_id = ?"
            " AND ts_ms >= ? AND ts_ms < ? AND quality != 'bad' ORDER BY ts_ms DESC LIMIT 1",
            (m, known[m].energy_signal, lo - gap, lo),
        ).fetchone()
        yield m, lo if prev is None else int(prev[0]), hi + 2 * gap
