"""Packed frames on SQLite: a plain read's good values of one machine and instant in one row.

A poll of a wide device reads thousands of signals at one instant. As rows of ``samples``
(clustered by machine, signal, ts) each value lands on its own leaf; as a frame the read's
values are one float64 blob in layout order (migration 0024). Readers select from the view
``all_samples``, which unpacks frames with ``frame_value`` (registered on every connection).
"""

from __future__ import annotations

import json
import sqlite3
import struct
import sys
from array import array
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from itertools import chain
from typing import Any

from pabrik.model.batch import Columns, PollRows, SampleRow

_VALUE = struct.Struct("<d")
_SWAP = sys.byteorder == "big"  # frames are little-endian on every machine
# Frames per INSERT: a statement per frame let go of the GIL (and waited to get it back from
# the poll loop) 70 times a poll. Chunks of 64, 32, ..., 1 keep seven statement texts cached.
_CHUNK = 64
_INSERT_FRAMES = {
    n: "INSERT INTO frames (machine_id, layout_id, ts_ms, source, vals, fwd_batch)"  # noqa: S608
    f" VALUES {', '.join(['(?, ?, ?, ?, ?, ?)'] * n)} ON CONFLICT DO NOTHING"
    for n in (1 << k for k in range(_CHUNK.bit_length()))
}
_PURGE_FRAMES = 500  # frames deleted per retention transaction (about 5,000 rows' worth)
_PLANS_KEPT = 4096  # read layouts whose plans are kept; a register map version makes new ones

# One machine's share of a read: its machine, its signals, and the positions of its values in
# the read (a slice when they are side by side); layout None when it cannot be a frame (a
# signal twice).
_Group = tuple[str, tuple[str, ...], slice | list[int]]
_Frame = tuple[str, int, int, str, bytes, int]
"""(machine, layout, ts in epoch ms, source, packed values, write batch): one frame's row."""
Transaction = Callable[[], AbstractContextManager[sqlite3.Connection]]
FrameMark = tuple[str, tuple[str, ...], int]
"""(machine, signals, ts in epoch ms) of a written frame: what the rollup marks read."""


def frame_value(vals: bytes, idx: int) -> float:
    """The value at position ``idx`` of a packed frame (the SQL function ``frame_value``)."""
    return float(_VALUE.unpack_from(vals, idx * 8)[0])


def pack(values: Sequence[float]) -> bytes:
    """Values as a frame's little-endian float64 blob."""
    packed = array("d", values)
    if _SWAP:  # pragma: no cover - little-endian machines only here
        packed.byteswap()
    return packed.tobytes()


def register(conn: sqlite3.Connection) -> None:
    """Make ``frame_value`` known to a connection (the view ``all_samples`` calls it)."""
    conn.create_function("frame_value", 2, frame_value, deterministic=True)


_FRAMED = "SELECT 1 FROM frame_signals WHERE machine_id = ? AND signal_id = ? LIMIT 1"


def signal_rows(
    conn: sqlite3.Connection, machine_id: str, signal_id: str, sql: str, args: Sequence[object]
) -> list[tuple[Any, ...]]:
    """Rows of ``sql`` over one signal's samples, its ``{table}`` the rows alone when it can.

    SQLite runs the ``all_samples`` view as a co-routine, which took 2.5x the time of the rows
    alone (25x with bounds from subqueries). A signal has values in frames only once a layout
    names it, and layouts are never removed: with none before and after the read, the rows
    were all of them.
    """

    def framed() -> bool:
        return conn.execute(_FRAMED, (machine_id, signal_id)).fetchone() is not None

    table = "all_samples" if framed() else "samples"
    rows = conn.execute(sql.format(table=table), tuple(args)).fetchall()
    if table == "samples" and framed():  # a layout made during the read
        rows = conn.execute(sql.format(table="all_samples"), tuple(args)).fetchall()
    return rows


def framed_values(conn: sqlite3.Connection) -> int:
    """How many values the frames hold, those hidden by a per-signal retention cut aside."""
    row = conn.execute(
        "SELECT count(*) FROM frame_signals AS s JOIN frames AS f"
        " ON f.machine_id = s.machine_id AND f.layout_id = s.layout_id"
        " WHERE f.ts_ms >= s.kept_from_ms"
    ).fetchone()
    return int(row[0])


def purge_forwarded_frames(conn: sqlite3.Connection, done_batch: int, values: int) -> int:
    """Delete the oldest frames the central has confirmed, about ``values`` values; how many."""
    chunk = "SELECT rowid FROM frames WHERE fwd_batch < ? ORDER BY fwd_batch LIMIT ?"
    frames = max(1, values // 128)
    visible = _visible_in(conn, chunk, (done_batch, frames))
    conn.execute(f"DELETE FROM frames WHERE rowid IN ({chunk})", (done_batch, frames))  # noqa: S608
    return visible


def _visible_in(conn: sqlite3.Connection, chosen: str, params: tuple[object, ...]) -> int:
    """The values (not hidden by a retention cut) of the frames whose rowids ``chosen`` selects."""
    sql = (
        "SELECT count(*) FROM frames AS f JOIN frame_signals AS s"  # noqa: S608 - our own SQL
        " ON s.machine_id = f.machine_id AND s.layout_id = f.layout_id"
        f" WHERE f.rowid IN ({chosen}) AND f.ts_ms >= s.kept_from_ms"
    )
    row = conn.execute(sql, params).fetchone()
    return int(row[0])


def purge_frames(
    transaction: Transaction,
    reader: sqlite3.Connection,
    cut: int,
    done: int | None,
    *,
    dry_run: bool,
) -> int:
    """Delete frames before ``cut`` (not yet forwarded ones kept), in short transactions."""
    guard, guarded = ("", ()) if done is None else (" AND fwd_batch < ?", (done,))
    chosen = "SELECT rowid FROM frames WHERE machine_id = ? AND layout_id = ? AND ts_ms < ?"
    chosen += guard
    total = 0
    for machine, layout in reader.execute("SELECT machine_id, layout_id FROM frame_layouts"):
        params = (machine, layout, cut, *guarded)
        if dry_run:
            total += _visible_in(reader, chosen, params)
            continue
        while True:
            with transaction() as conn:
                some = f"{chosen} LIMIT {_PURGE_FRAMES:d}"
                total += _visible_in(conn, some, params)
                gone = conn.execute(f"DELETE FROM frames WHERE rowid IN ({some})", params).rowcount  # noqa: S608
            if gone < _PURGE_FRAMES:
                break
    return total


def hide_signal(
    transaction: Transaction,
    key: tuple[str, str],
    cut: int,
    done: int | None,
    *,
    dry_run: bool,
) -> int:
    """Hide one signal's frame values before ``cut`` (not yet forwarded ones kept); how many."""
    machine, signal = key
    total = 0
    with transaction() as conn:
        places = conn.execute(
            "SELECT layout_id, idx, kept_from_ms FROM frame_signals"
            " WHERE machine_id = ? AND signal_id = ?",
            (machine, signal),
        ).fetchall()
        for layout, idx, kept in places:
            upto = cut
            if done is not None:  # up to the first frame the central has not confirmed
                first = conn.execute(
                    "SELECT min(ts_ms) FROM frames WHERE machine_id = ? AND layout_id = ?"
                    " AND fwd_batch >= ?",
                    (machine, layout, done),
                ).fetchone()[0]
                upto = upto if first is None else min(upto, int(first))
            if upto <= kept:
                continue
            total += int(
                conn.execute(
                    "SELECT count(*) FROM frames WHERE machine_id = ? AND layout_id = ?"
                    " AND ts_ms >= ? AND ts_ms < ?",
                    (machine, layout, kept, upto),
                ).fetchone()[0]
            )
            if not dry_run:
                conn.execute(
                    "UPDATE frame_signals SET kept_from_ms = ?"
                    " WHERE machine_id = ? AND layout_id = ? AND idx = ?",
                    (upto, machine, layout, idx),
                )
    return total


def split_rows(
    rows: Sequence[tuple[object, ...]],
) -> tuple[Sequence[tuple[object, ...]], list[Columns]]:
    """Rows to write as rows, and the column chunks to write as frames."""
    if not isinstance(rows, PollRows):
        return rows, []
    plain: list[tuple[object, ...]] = []
    columns: list[Columns] = []
    for chunk in rows.chunks():
        if isinstance(chunk, list):
            plain.extend(chunk)
        else:
            columns.append(chunk)
    return plain, columns


class FrameWriter:
    """Writes column chunks as frames, with each read layout's plan and layout ids kept."""

    def __init__(self) -> None:
        # (id(machines), id(signals)) -> (machines, signals, groups); the tuples are kept so
        # their ids stay theirs.
        self._plans: dict[tuple[int, int], tuple[object, object, list[_Group]]] = {}
        self._layouts: dict[tuple[str, tuple[str, ...]], int | None] = {}

    def forget(self) -> None:
        """Drop the kept layout ids: a write that made one was rolled back."""
        self._layouts.clear()

    def write(
        self, conn: sqlite3.Connection, columns: list[Columns], batch: int
    ) -> tuple[int, list[SampleRow], list[FrameMark]]:
        """Insert frames; the values inserted, the rows that must go to samples, the marks."""
        rows: list[SampleRow] = []
        marks: list[FrameMark] = []
        # Frames of one value count go in together: a statement's changes times that count is
        # the values it inserted (a frame already stored is skipped, and counts nothing).
        by_size: dict[int, list[_Frame]] = {}
        for machines, signals, ts_ms, source, values in columns:
            whole = b""
            for machine, sigs, at in self._groups(machines, signals):
                layout = self._layout(conn, machine, sigs)
                if layout is None:
                    vals = values[at] if isinstance(at, slice) else [values[i] for i in at]
                    rows.extend(
                        (machine, s, ts_ms, source, v, "good")
                        for s, v in zip(sigs, vals, strict=True)
                    )
                    continue
                if isinstance(at, slice):
                    whole = whole or pack(values)
                    packed = whole[at.start * 8 : at.stop * 8]
                else:
                    packed = pack([values[i] for i in at])
                frame = (machine, layout, ts_ms, source, packed, batch)
                by_size.setdefault(len(sigs), []).append(frame)
                marks.append((machine, sigs, ts_ms))
        inserted = sum(size * _insert(conn, frames) for size, frames in by_size.items())
        return inserted, rows, marks

    def _groups(self, machines: tuple[str, ...], signals: tuple[str, ...]) -> list[_Group]:
        key = (id(machines), id(signals))
        kept = self._plans.get(key)
        if kept is not None and kept[0] is machines and kept[1] is signals:
            return kept[2]
        at: dict[str, list[int]] = {}
        for i, m in enumerate(machines):
            at.setdefault(m, []).append(i)
        groups: list[_Group] = [
            (m, tuple(signals[i] for i in idx), _as_slice(idx)) for m, idx in at.items()
        ]
        if len(self._plans) >= _PLANS_KEPT:
            self._plans.clear()
        self._plans[key] = (machines, signals, groups)
        return groups

    def _layout(
        self, conn: sqlite3.Connection, machine: str, signals: tuple[str, ...]
    ) -> int | None:
        key = (machine, signals)
        if key in self._layouts:
            return self._layouts[key]
        if len(set(signals)) != len(signals):
            # A signal twice in one read: as rows the first value wins; a frame would keep both.
            self._layouts[key] = None
            return None
        text = json.dumps(list(signals), separators=(",", ":"))
        row = conn.execute(
            "SELECT layout_id FROM frame_layouts WHERE machine_id = ? AND signals = ?",
            (machine, text),
        ).fetchone()
        if row is None:
            layout = int(
                conn.execute(
                    "INSERT INTO frame_layouts (machine_id, signals) VALUES (?, ?)"
                    " RETURNING layout_id",
                    (machine, text),
                ).fetchall()[0][0]
            )
            conn.executemany(
                "INSERT INTO frame_signals (machine_id, signal_id, layout_id, idx)"
                " VALUES (?, ?, ?, ?)",
                [(machine, s, layout, i) for i, s in enumerate(signals)],
            )
        else:
            layout = int(row[0])
        if len(self._layouts) >= _PLANS_KEPT:
            self._layouts.clear()
        self._layouts[key] = layout
        return layout


def _as_slice(positions: list[int]) -> slice | list[int]:
    """The positions as a slice when they are side by side, else as they are."""
    first, last = positions[0], positions[-1]
    return slice(first, last + 1) if last - first + 1 == len(positions) else positions


def _insert(conn: sqlite3.Connection, frames: list[_Frame]) -> int:
    """Insert frames in order, up to ``_CHUNK`` a statement; how many were new."""
    done, start, left = 0, 0, len(frames)
    while left:
        n = _CHUNK if left >= _CHUNK else 1 << (left.bit_length() - 1)
        params = list(chain.from_iterable(frames[start : start + n]))
        done += conn.execute(_INSERT_FRAMES[n], params).rowcount
        start, left = start + n, left - n
    return done
