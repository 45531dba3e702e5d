"""A Modbus poll batch (column chunks) reads back through every reader as its rows would.

SQLite packs a poll's column chunks into frames (migration 0024); PostgreSQL writes rows. Each
test writes the same polls to the store under test and, as plain rows, to a reference SQLite
store of the row layout, and compares what the readers return.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pabrik.model.batch import PollRows, RecordBatch, SampleRow
from pabrik.model.records import to_epoch_ms
from pabrik.storage.postgres.store import PostgresStore
from pabrik.storage.rollups import HOUR_MS, ROLLUP_COLUMNS, RollupConfig, RollupRow
from pabrik.storage.sqlite.store import SqliteStore
from pabrik.storage.store import RetentionRule
from tests.storage.rollup_plant import save

T0 = datetime(2025, 1, 6, 0, 0, tzinfo=UTC)
T0_MS = to_epoch_ms(T0)
SOURCE = "modbus:plc1"
# One read of one machine, one read split over two machines, and a signal in no read.
READ_1 = (("m1",) * 4, ("a", "b", "c", "kwh"))
READ_2 = (("m1", "m2", "m2"), ("e", "a", "b"))
SIGNALS = [("m1", s) for s in ("a", "b", "c", "kwh", "e", "f")] + [("m2", "a"), ("m2", "b")]
CONFIG = RollupConfig(
    "fp-1", state_margin_ms=0, count_margin_ms=0, sample_margin_ms=0, energy_signal="kwh"
)

AnyStore = SqliteStore | PostgresStore


def poll(i: int, step_ms: int = 60_000) -> RecordBatch:
    """The i-th poll: two reads as columns, and a bad value as a row (never a frame)."""
    ts = T0_MS + i * step_ms
    rows = PollRows()
    rows.add_columns(*READ_1, ts, SOURCE, [i + 0.5, -i, 2.0 * i, 100.0 + i])
    rows.add_columns(*READ_2, ts, SOURCE, [1e-3 * i, 7.0, i * 1.25])
    rows.extend([("m1", "f", ts, SOURCE, 0.0, "bad")])
    return RecordBatch([], rows)


def as_rows(batch: RecordBatch) -> RecordBatch:
    """The same samples as plain rows: the row layout."""
    plain: list[SampleRow] = list(batch.rows)
    return RecordBatch([], plain)


@pytest.fixture
def rows_store(tmp_path: Path) -> Iterator[SqliteStore]:
    """A SQLite store written with rows only: the layout the frames must read like."""
    s = SqliteStore(tmp_path / "rows.sqlite")
    s.upgrade()
    yield s
    s.close()


def write_both(store: AnyStore, reference: SqliteStore, polls: range) -> None:
    for i in polls:
        got = store.write(poll(i))
        want = reference.write(as_rows(poll(i)))
        assert (got.offered, got.inserted) == (want.offered, want.inserted)


def readings(s: AnyStore, end: datetime) -> dict[tuple[str, str], list[tuple[object, ...]]]:
    return {
        (m, sig): [(r.ts, r.source, r.value, r.quality) for r in s.samples(m, sig, T0, end)]
        for m, sig in SIGNALS
    }


def buckets(s: AnyStore, end: datetime) -> dict[tuple[str, str], list[tuple[object, ...]]]:
    return {
        (m, sig): [
            (b.index, round(b.mean, 9), b.count) for b in s.sample_buckets(m, sig, T0, end, 7)
        ]
        for m, sig in SIGNALS
    }


def test_a_poll_reads_back_as_its_rows_through_samples_buckets_and_counts(
    store: AnyStore, rows_store: SqliteStore
) -> None:
    write_both(store, rows_store, range(60))
    end = T0 + timedelta(hours=1)
    assert readings(store, end) == readings(rows_store, end)
    assert readings(store, end)[("m2", "b")][3] == (T0 + timedelta(minutes=3), SOURCE, 3.75, "good")
    assert buckets(store, end) == buckets(rows_store, end)
    assert store.row_counts() == rows_store.row_counts()
    window = (T0 + timedelta(minutes=10), T0 + timedelta(minutes=12))
    assert [s.value for s in store.samples("m1", "kwh", *window)] == [110.0, 111.0]
    meter = [(r.ts, r.value) for r in store.meter_readings("m1", "kwh", *window, 60_000)]
    rows = rows_store.meter_readings("m1", "kwh", *window, 60_000)
    assert meter == [(r.ts, r.value) for r in rows]
    assert [v for _, v in meter] == [110.0, 111.0, 112.0]  # on to the reading at the end


def test_a_poll_delivered_twice_is_stored_once(store: AnyStore, rows_store: SqliteStore) -> None:
    write_both(store, rows_store, range(3))
    write_both(store, rows_store, range(5))  # the first three again, two new
    assert store.write(poll(4)).inserted == 0
    assert store.row_counts() == rows_store.row_counts()
    assert store.row_counts()["samples"] == 5 * 8


def test_retention_cuts_frames_as_it_cuts_rows(tmp_path: Path, rows_store: SqliteStore) -> None:
    # SQLite only: PostgreSQL writes rows and purges whole monthly partitions.
    store = SqliteStore(tmp_path / "frames.sqlite")
    store.upgrade()
    write_both(store, rows_store, range(30))
    cut = T0 + timedelta(minutes=20)
    rules = [
        RetentionRule("samples", T0 + timedelta(minutes=5)),
        RetentionRule("samples", cut, "m1", "b"),
        RetentionRule("samples", cut, "m2", "a"),
    ]
    dry = [r.rows for r in store.purge(rules, dry_run=True)]
    assert dry == [r.rows for r in rows_store.purge(rules, dry_run=True)]
    assert store.row_counts() == rows_store.row_counts()
    done = [r.rows for r in store.purge(rules)]
    assert done == [r.rows for r in rows_store.purge(rules)] == [40, 15, 15]
    end = T0 + timedelta(hours=1)
    assert readings(store, end) == readings(rows_store, end)
    assert buckets(store, end) == buckets(rows_store, end)
    assert store.row_counts() == rows_store.row_counts()
    assert [r.rows for r in store.purge(rules)] == [0, 0, 0]
    store.close()


def test_a_frame_with_the_energy_signal_marks_its_hour_as_a_sample_would(
    store: AnyStore, rows_store: SqliteStore
) -> None:
    for s in (store, rows_store):
        s.reset_rollups("m1", CONFIG)
        save(s, [_bucket(T0_MS), _bucket(T0_MS + HOUR_MS), _bucket(T0_MS + 2 * HOUR_MS)])
    store.write(poll(70))  # 01:10, the hour after T0's
    rows_store.write(as_rows(poll(70)))
    hours = (T0_MS, T0_MS + 3 * HOUR_MS)
    assert store.dirty_hours(["m1"], *hours) == rows_store.dirty_hours(["m1"], *hours)
    assert store.dirty_hours(["m1"], *hours) == [("m1", T0_MS + HOUR_MS)]
    assert store.rollup_seq(["m1"]) == rows_store.rollup_seq(["m1"]) == {"m1": 1}


def test_forwarding_sends_frame_values_as_the_rows_in_the_same_order(
    tmp_path: Path, rows_store: SqliteStore
) -> None:
    frames = SqliteStore(tmp_path / "frames.sqlite")
    frames.upgrade()
    write_both(frames, rows_store, range(40))
    for limit in (7, 64, 1000):
        got, want = _stream(frames, limit), _stream(rows_store, limit)
        assert got == want
        assert len(got) == 40 * 8
    middle = _stream(rows_store, 1000)[150]
    at = (middle[0], middle[1], middle[2], middle[3], middle[4])
    assert frames.forward_rows("samples", at, None, 20) == rows_store.forward_rows(
        "samples", at, None, 20
    )
    assert frames.forward_rows("samples", (3,), 9, 1000) == rows_store.forward_rows(
        "samples", (3,), 9, 1000
    )
    assert frames.forward_pending("samples", at) == rows_store.forward_pending("samples", at)
    frames.close()


def test_confirmed_frames_are_purged_for_disk_space_and_unconfirmed_ones_kept(
    tmp_path: Path, rows_store: SqliteStore
) -> None:
    frames = SqliteStore(tmp_path / "frames.sqlite")
    frames.upgrade()
    write_both(frames, rows_store, range(20))
    for s in (frames, rows_store):
        s.save_forward_cursors({"done": {"samples": [11]}})  # batches 1-10 confirmed
    gone = 0
    while (step := frames.purge_forwarded_samples(1000)) > 0:
        gone += step
    assert gone == 10 * 8
    kept = frames.samples("m1", "a", T0, T0 + timedelta(hours=1))
    assert [s.ts for s in kept] == [T0 + timedelta(minutes=i) for i in range(10, 20)]
    frames.close()


def test_a_read_with_a_signal_twice_is_stored_as_rows_first_value_first(
    store: AnyStore, rows_store: SqliteStore
) -> None:
    rows = PollRows()
    rows.add_columns(("m1", "m1", "m1"), ("a", "b", "a"), T0_MS, SOURCE, [1.0, 2.0, 3.0])
    batch = RecordBatch([], rows)
    assert store.write(batch).inserted == rows_store.write(as_rows(batch)).inserted == 2
    end = T0 + timedelta(minutes=1)
    assert readings(store, end) == readings(rows_store, end)


def _stream(s: SqliteStore, limit: int) -> list[tuple[object, ...]]:
    out: list[tuple[object, ...]] = []
    at: tuple[object, ...] = (-1,)
    while True:
        rows, at = s.forward_rows("samples", at, None, limit)
        if not rows:
            return out
        out.extend(tuple(r) for r in rows)


def _bucket(start_ms: int) -> RollupRow:
    return RollupRow("m1", start_ms, tuple(1 for _ in ROLLUP_COLUMNS), {})
