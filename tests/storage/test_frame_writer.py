"""The frame writer stores what the frame-per-statement writer it replaced stored, and says so.

``old_write`` is the writer before frames went in several to a statement (one INSERT per
frame, its own rowcount per frame); both write the same batches into copies of one upgraded
database, and their answers, layouts and frames must be equal.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pabrik.model.batch import Columns, SampleRow
from pabrik.storage.sqlite.frames import FrameMark, FrameWriter, pack, register
from pabrik.storage.sqlite.store import SqliteStore

# One machine; two machines side by side; two machines interleaved; a signal twice (rows);
# another machine with the first read's length.
READS: list[tuple[tuple[str, ...], tuple[str, ...]]] = [
    (("m1",) * 3, ("a", "b", "c")),
    (("m1", "m1", "m2", "m2", "m2"), ("d", "e", "a", "b", "c")),
    (("m1", "m2", "m1"), ("f", "d", "g")),
    (("m3", "m3"), ("x", "x")),
    (("m2",) * 3, ("a", "b", "c")),
]
Result = tuple[int, list[SampleRow], list[FrameMark]]


def old_write(
    writer: FrameWriter, conn: sqlite3.Connection, columns: list[Columns], batch: int
) -> Result:
    """The writer before this change: a statement and a rowcount per frame."""
    insert = (
        "INSERT INTO frames (machine_id, layout_id, ts_ms, source, vals, fwd_batch)"
        f" VALUES (?, ?, ?, ?, ?, {batch:d}) ON CONFLICT DO NOTHING"
    )
    inserted, rows, marks = 0, list[SampleRow](), list[FrameMark]()
    for machines, signals, ts_ms, source, values in columns:
        groups: list[tuple[str, tuple[str, ...], list[int] | None]]
        if all(m == machines[0] for m in machines):
            groups = [(machines[0], signals, None)]
        else:
            at: dict[str, list[int]] = {}
            for i, m in enumerate(machines):
                at.setdefault(m, []).append(i)
            groups = [(m, tuple(signals[i] for i in idx), idx) for m, idx in at.items()]
        for machine, sigs, where in groups:
            vals = values if where is None else [values[i] for i in where]
            layout = writer._layout(conn, machine, sigs)
            if layout is None:
                rows.extend(
                    (machine, s, ts_ms, source, v, "good") for s, v in zip(sigs, vals, strict=True)
                )
                continue
            done = conn.execute(insert, (machine, layout, ts_ms, source, pack(vals)))
            if done.rowcount > 0:
                inserted += len(vals)
            marks.append((machine, sigs, ts_ms))
    return inserted, rows, marks


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An upgraded store file that each example copies into memory."""
    path = tmp_path_factory.mktemp("frames") / "template.sqlite"
    store = SqliteStore(path)
    store.upgrade()
    store.close()
    return path


def _copy(template: Path) -> sqlite3.Connection:
    source = sqlite3.connect(template)
    conn = sqlite3.connect(":memory:", isolation_level=None)
    source.backup(conn)
    source.close()
    register(conn)
    return conn


def _stored(conn: sqlite3.Connection) -> tuple[list[tuple[object, ...]], ...]:
    layouts = conn.execute("SELECT * FROM frame_layouts ORDER BY layout_id").fetchall()
    places = conn.execute("SELECT * FROM frame_signals ORDER BY 1, 2, 3, 4").fetchall()
    frames = conn.execute(
        "SELECT machine_id, layout_id, ts_ms, source, vals, fwd_batch FROM frames"
        " ORDER BY machine_id, layout_id, ts_ms, source"
    ).fetchall()
    return layouts, places, frames


def _both(template: Path, writes: list[list[Columns]]) -> None:
    old_conn, new_conn = _copy(template), _copy(template)
    old, new = FrameWriter(), FrameWriter()
    for batch, columns in enumerate(writes, start=1):
        want = old_write(old, old_conn, columns, batch)
        got = new.write(new_conn, columns, batch)
        assert got == want
    assert _stored(new_conn) == _stored(old_conn)
    old_conn.close()
    new_conn.close()


@st.composite
def chunks(draw: st.DrawFn) -> Columns:
    machines, signals = READS[draw(st.integers(0, len(READS) - 1))]
    ts = 1_700_000_000_000 + draw(st.integers(0, 3))
    source = draw(st.sampled_from(["modbus:a", "modbus:b"]))
    finite = st.floats(allow_nan=False, allow_infinity=False, width=64)
    values = draw(st.lists(finite, min_size=len(signals), max_size=len(signals)))
    return machines, signals, ts, source, values


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(chunks(), max_size=30), min_size=1, max_size=4))
def test_writes_store_and_count_what_a_statement_per_frame_did(
    template: Path, writes: list[list[Columns]]
) -> None:
    _both(template, writes)


def test_more_frames_of_one_size_than_a_statement_holds_go_in_order(template: Path) -> None:
    # 150 polls of the one-machine read (chunks of 64, 64, 16, 4 and 2), every tenth a repeat
    # with other values: the first of a key wins, and the repeats count nothing.
    machines, signals = READS[0]
    write: list[Columns] = []
    for i in range(150):
        ts = 1_700_000_000_000 + (i - 1 if i % 10 == 9 else i)
        write.append((machines, signals, ts, "modbus:a", [float(i), -0.5 * i, i / 3]))
    _both(template, [write, write[:70]])
