from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pabrik.model.batch import RecordBatch
from pabrik.model.records import CountRecord, DeadLetter, SampleRecord, StateRecord
from pabrik.model.states import StateClass
from pabrik.storage.sqlite.store import SqliteStore
from pabrik.storage.store import DEAD_LETTER_PAYLOAD_CAP

T0 = datetime(2025, 1, 6, 0, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path):
    s = SqliteStore(tmp_path / "p.sqlite")
    s.upgrade()
    yield s
    s.close()


def records(n: int) -> list:
    out: list = []
    for i in range(n):
        ts = T0 + timedelta(minutes=i)
        out.append(StateRecord("sim", "m1", ts, StateClass.RUNNING if i % 2 else StateClass.IDLE))
        out.append(CountRecord("sim", "m1", ts, good=i, scrap=1))
        out.append(SampleRecord("sim", "m1", "temp", ts, float(i)))
    return out


def test_a_replayed_batch_is_not_counted_twice(store: SqliteStore) -> None:
    batch = records(50)
    first = store.write(batch)
    again = store.write(batch)
    assert first.inserted == 150
    assert again.inserted == 0
    assert store.row_counts() == {"states": 50, "counts": 50, "samples": 50, "dead_letters": 0}


def test_of_two_samples_with_one_key_in_a_batch_the_first_is_kept(store: SqliteStore) -> None:
    later, ms = T0 + timedelta(seconds=1), int(T0.timestamp() * 1000)
    # Rows of a decoded message and records, out of key order, a key twice in each.
    rows = [("m2", "temp", ms + 1000, "sim", 9.0, "good"), ("m1", "temp", ms, "sim", 1.0, "good")]
    rows.append(("m1", "temp", ms, "sim", 2.0, "good"))
    recs = [
        SampleRecord("sim", "m1", "temp", later, 3.0),
        SampleRecord("sim", "m1", "temp", later, 4.0),
    ]
    result = store.write(RecordBatch(recs, rows))
    assert (result.offered, result.inserted) == (5, 3)
    got = store.samples("m1", "temp", T0, T0 + timedelta(seconds=2))
    assert [s.value for s in got] == [1.0, 3.0]
    assert [s.value for s in store.samples("m2", "temp", T0, T0 + timedelta(seconds=2))] == [9.0]


def test_checkpoints_commit_with_their_batch(store: SqliteStore) -> None:
    store.write(records(3), {"sim:position": "a"})
    store.write([], {"sim:position": "b"})
    assert store.checkpoint("sim:position") == "b"
    assert store.checkpoint("missing") is None


def test_a_failed_batch_leaves_neither_data_nor_checkpoint(store: SqliteStore) -> None:
    bad = [CountRecord("sim", "m1", T0, good=-1, scrap=0)]  # violates the CHECK constraint
    with pytest.raises(sqlite3.IntegrityError):
        store.write([*records(2), *bad], {"sim:position": "x"})
    assert store.row_counts()["states"] == 0
    assert store.checkpoint("sim:position") is None


def test_states_carry_the_neighbours_of_the_window(store: SqliteStore) -> None:
    store.write(records(10))
    got = store.states("m1", T0 + timedelta(minutes=4, seconds=30), T0 + timedelta(minutes=7))
    assert [s.ts.minute for s in got] == [4, 5, 6, 7]
    assert got[0].state is StateClass.IDLE


def test_counts_take_the_window_end_but_not_its_start(store: SqliteStore) -> None:
    store.write(records(10))
    got = store.counts("m1", T0 + timedelta(minutes=2), T0 + timedelta(minutes=4))
    assert [c.ts.minute for c in got] == [3, 4]


def test_timestamps_round_trip_as_aware_utc(store: SqliteStore) -> None:
    ts = datetime(2025, 1, 6, 1, 2, 3, 456000, tzinfo=UTC)
    store.write([SampleRecord("sim", "m1", "temp", ts, 1.5)])
    (got,) = store.samples("m1", "temp", ts, ts + timedelta(seconds=1))
    assert got.ts == ts
    assert got.ts.tzinfo is not None


def test_the_database_runs_in_wal_mode(store: SqliteStore, tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "p.sqlite")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


def test_upgrade_is_idempotent_and_reports_status(store: SqliteStore) -> None:
    assert store.upgrade() == []
    applied, latest = store.schema_status()
    assert applied == latest >= 1


def test_dead_letters_keep_a_capped_payload_newest_first(store: SqliteStore) -> None:
    store.write_dead_letters(
        [
            DeadLetter("mqtt", T0, "malformed_json", "not JSON", "x" * 50_000),
            DeadLetter("mqtt", T0, "wrong_type", "value is text", '{"value": "a"}'),
        ]
    )
    newest, oldest = store.dead_letters(10, 0)
    assert newest.reason_code == "wrong_type"
    assert len(oldest.payload) == DEAD_LETTER_PAYLOAD_CAP
    assert store.dead_letter_count() == 2


def test_sql_text_in_fields_is_stored_as_data(store: SqliteStore) -> None:
    evil = "x'); DROP TABLE states; --"
    store.write([StateRecord("sim", evil, T0, StateClass.RUNNING, reason=evil)])
    (got,) = store.states(evil, T0, T0 + timedelta(seconds=1))
    assert got.reason == evil
    assert store.row_counts()["states"] == 1


def test_two_processes_upgrading_at_once_apply_each_migration_once(tmp_path: Path) -> None:
    import threading

    stores = [SqliteStore(tmp_path / "race.sqlite") for _ in range(3)]
    results: list[list[str]] = []
    threads = [threading.Thread(target=lambda s=s: results.append(s.upgrade())) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    applied = [v for r in results for v in r]
    assert sorted(applied) == sorted(set(applied))
    assert stores[0].schema_status()[0] == stores[0].schema_status()[1]
    for s in stores:
        s.close()
