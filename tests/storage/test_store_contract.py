"""The contract every Store backend passes: SQLite and PostgreSQL run the same tests."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta, timezone

import psycopg
import pytest

from pabrik.model.records import CountRecord, DeadLetter, Record, SampleRecord, StateRecord
from pabrik.model.states import Quality, StateClass
from pabrik.storage.store import DEAD_LETTER_PAYLOAD_CAP, RetentionRule, Store

T0 = datetime(2025, 1, 6, 0, 0, tzinfo=UTC)
STORE_ERRORS = (sqlite3.Error, psycopg.Error)


def records(n: int, start: datetime = T0, step: timedelta = timedelta(minutes=1)) -> list[Record]:
    out: list[Record] = []
    for i in range(n):
        ts = start + i * step
        out.append(StateRecord("sim", "m1", ts, StateClass.RUNNING if i % 2 else StateClass.IDLE))
        out.append(CountRecord("sim", "m1", ts, good=i, scrap=1))
        out.append(SampleRecord("sim", "m1", "temp", ts, float(i)))
    return out


def test_a_replayed_batch_is_not_counted_twice(store: Store) -> None:
    batch = records(50)
    assert store.write(batch).inserted == 150
    assert store.write(batch).inserted == 0
    assert store.row_counts() == {"states": 50, "counts": 50, "samples": 50, "dead_letters": 0}


def test_a_batch_half_replayed_inserts_only_its_new_half(store: Store) -> None:
    old, new = records(20), records(20, start=T0 + timedelta(hours=1))
    store.write(old)
    assert store.write([*old, *new]).inserted == 60
    assert store.write(records(5, start=T0 + timedelta(hours=2))).inserted == 15
    assert store.row_counts()["samples"] == 45


def test_duplicates_inside_one_batch_are_stored_once(store: Store) -> None:
    batch = records(3)
    result = store.write([*batch, *batch])
    assert (result.offered, result.inserted) == (18, 9)


def test_the_same_instant_from_another_source_is_a_different_record(store: Store) -> None:
    store.write(
        [SampleRecord("a", "m1", "temp", T0, 1.0), SampleRecord("b", "m1", "temp", T0, 2.0)]
    )
    got = store.samples("m1", "temp", T0, T0 + timedelta(seconds=1))
    assert [(s.source, s.value) for s in got] == [("a", 1.0), ("b", 2.0)]


def test_checkpoints_commit_with_their_batch(store: Store) -> None:
    store.write(records(3), {"sim:position": "a"})
    store.write([], {"sim:position": "b"})
    assert store.checkpoint("sim:position") == "b"
    assert store.checkpoint("missing") is None


def test_a_failed_batch_leaves_neither_data_nor_checkpoint(store: Store) -> None:
    bad = [CountRecord("sim", "m1", T0, good=-1, scrap=0)]  # violates the CHECK constraint
    with pytest.raises(STORE_ERRORS):
        store.write([*records(2), *bad], {"sim:position": "x"})
    assert store.row_counts()["states"] == 0
    assert store.checkpoint("sim:position") is None
    assert store.write(records(2), {"sim:position": "y"}).inserted == 6


def test_states_carry_the_neighbours_of_the_window(store: Store) -> None:
    store.write(records(10))
    got = store.states("m1", T0 + timedelta(minutes=4, seconds=30), T0 + timedelta(minutes=7))
    assert [s.ts.minute for s in got] == [4, 5, 6, 7]
    assert got[0].state is StateClass.IDLE


def test_an_empty_window_still_gets_the_state_before_and_after(store: Store) -> None:
    store.write(records(3, step=timedelta(hours=1)))
    got = store.states("m1", T0 + timedelta(minutes=10), T0 + timedelta(minutes=20))
    assert [s.ts for s in got] == [T0, T0 + timedelta(hours=1)]


def test_a_window_after_every_state_gets_only_the_last_one(store: Store) -> None:
    store.write(records(3))
    got = store.states("m1", T0 + timedelta(days=1), T0 + timedelta(days=2))
    assert [s.ts for s in got] == [T0 + timedelta(minutes=2)]


def test_counts_take_the_window_end_but_not_its_start(store: Store) -> None:
    store.write(records(10))
    got = store.counts("m1", T0 + timedelta(minutes=2), T0 + timedelta(minutes=4))
    assert [c.ts.minute for c in got] == [3, 4]
    assert (got[0].good, got[0].scrap, got[0].rework) == (3, 1, 0)


def test_samples_take_the_window_start_but_not_its_end(store: Store) -> None:
    store.write(records(10))
    got = store.samples("m1", "temp", T0 + timedelta(minutes=2), T0 + timedelta(minutes=4))
    assert [(s.ts.minute, s.value, s.quality) for s in got] == [
        (2, 2.0, Quality.GOOD),
        (3, 3.0, Quality.GOOD),
    ]


def test_timestamps_round_trip_as_aware_utc_milliseconds(store: Store) -> None:
    ts = datetime(2025, 1, 6, 1, 2, 3, 456789, tzinfo=UTC)
    store.write([SampleRecord("sim", "m1", "temp", ts, 1.5)])
    store.write([SampleRecord("sim", "m1", "temp", ts.replace(microsecond=456001), 9.0)])
    (got,) = store.samples("m1", "temp", ts - timedelta(seconds=1), ts + timedelta(seconds=1))
    assert got.ts == ts.replace(microsecond=456000)
    assert got.ts.utcoffset() == timedelta(0)
    assert got.value == 1.5


def test_an_offset_timestamp_is_stored_as_the_same_instant(store: Store) -> None:
    jakarta = timezone(timedelta(hours=7))
    local = datetime(2025, 1, 6, 7, 0, tzinfo=jakarta)
    store.write([StateRecord("sim", "m1", local, StateClass.RUNNING)])
    (got,) = store.states("m1", T0, T0 + timedelta(minutes=1))
    assert got.ts == T0


def test_optional_state_fields_round_trip(store: Store) -> None:
    record = StateRecord(
        "sim", "m1", T0, StateClass.UNPLANNED_STOP, "jam", "botol-600", "PO-7 rusak ☃"
    )
    store.write([record])
    assert store.states("m1", T0, T0 + timedelta(seconds=1)) == [record]


def test_sql_text_in_fields_is_stored_as_data(store: Store) -> None:
    evil = "x'); DROP TABLE states; --"
    store.write([StateRecord("sim", evil, T0, StateClass.RUNNING, reason=evil)])
    (got,) = store.states(evil, T0, T0 + timedelta(seconds=1))
    assert got.reason == evil
    assert store.row_counts()["states"] == 1
    assert store.dead_letter_ids(reason_code=evil, source=evil) == []


def test_dead_letters_keep_a_capped_payload_newest_first(store: Store) -> None:
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
    assert [d.reason_code for d in store.dead_letters(1, 1)] == ["malformed_json"]


def test_dead_letters_keep_their_context_and_odd_bytes(store: Store) -> None:
    context = {"format": "json", "topic": "pabrik/v1/a/b", "kind": "state"}
    store.write_dead_letters(
        [DeadLetter("mqtt", T0, "bad", "nul inside", "a\x00b", context=context)]
    )
    (got,) = store.dead_letters(10, 0)
    assert got.context == context
    assert got.payload[0] + got.payload[-1] == "ab"
    assert got.received_at == T0


def test_dead_letters_are_found_by_id_reason_and_source_and_settled(store: Store) -> None:
    store.write_dead_letters(
        [
            DeadLetter("mqtt", T0, "unknown_machine", "d1", "p1"),
            DeadLetter("csv", T0, "unknown_machine", "d2", "p2"),
            DeadLetter("mqtt", T0, "wrong_type", "d3", "p3"),
        ]
    )
    ids = store.dead_letter_ids()
    assert len(ids) == 3
    assert ids == sorted(ids)
    assert store.dead_letter_ids(reason_code="unknown_machine", source="mqtt") == ids[:1]
    assert [d.payload for d in store.dead_letters_by_id([ids[2], 999_999, ids[0]])] == ["p1", "p3"]
    store.settle_dead_letters([ids[0]], [(ids[1], "unknown_signal", "still bad")])
    assert store.dead_letter_count() == 2
    (second,) = store.dead_letters_by_id([ids[1]])
    assert (second.reason_code, second.detail) == ("unknown_signal", "still bad")


def test_upgrade_is_idempotent_and_reports_status(store: Store) -> None:
    assert store.upgrade() == []
    applied, latest = store.schema_status()
    assert applied == latest >= 2


def test_a_reachable_store_answers_ping(store: Store) -> None:
    store.ping()


def old_and_new(store: Store) -> None:
    """Records 400, 100 and 1 days before T0, for two signals, plus dead letters."""
    batch: list[Record] = []
    for days in (400, 100, 1):
        ts = T0 - timedelta(days=days)
        batch += [
            StateRecord("sim", "m1", ts, StateClass.RUNNING),
            CountRecord("sim", "m1", ts, 1, 0),
            SampleRecord("sim", "m1", "temp", ts, 1.0),
            SampleRecord("sim", "m1", "vib", ts, 2.0),
        ]
    store.write(batch)
    store.write_dead_letters(
        [DeadLetter("x", T0 - timedelta(days=d), "c", "d", "p") for d in (90, 1)]
    )


def test_retention_removes_raw_rows_past_the_cut_off_and_keeps_the_rest(store: Store) -> None:
    old_and_new(store)
    cut = T0 - timedelta(days=200)
    results = store.purge([RetentionRule(t, cut) for t in ("states", "counts", "samples")])
    assert [r.rows for r in results] == [1, 1, 2]
    assert store.row_counts() == {"states": 2, "counts": 2, "samples": 4, "dead_letters": 2}
    assert [s.ts for s in store.states("m1", cut, T0)] == [
        T0 - timedelta(days=100),
        T0 - timedelta(days=1),
    ]


def test_a_dry_run_counts_but_keeps_everything(store: Store) -> None:
    old_and_new(store)
    rules = [RetentionRule("samples", T0 - timedelta(days=200)), RetentionRule("dead_letters", T0)]
    assert [r.rows for r in store.purge(rules, dry_run=True)] == [2, 2]
    assert store.row_counts() == {"states": 3, "counts": 3, "samples": 6, "dead_letters": 2}


def test_a_signal_rule_removes_only_that_signal(store: Store) -> None:
    old_and_new(store)
    (result,) = store.purge([RetentionRule("samples", T0 - timedelta(days=50), "m1", "vib")])
    assert result.rows == 2
    assert len(store.samples("m1", "vib", T0 - timedelta(days=500), T0)) == 1
    assert len(store.samples("m1", "temp", T0 - timedelta(days=500), T0)) == 3


def test_dead_letters_expire_by_receipt_time(store: Store) -> None:
    old_and_new(store)
    (result,) = store.purge([RetentionRule("dead_letters", T0 - timedelta(days=30))])
    assert result.rows == 1
    assert store.dead_letter_count() == 1


def test_retention_refuses_unknown_tables_and_half_signal_rules(store: Store) -> None:
    with pytest.raises(ValueError, match="retention"):
        store.purge([RetentionRule("checkpoints", T0)])
    with pytest.raises(ValueError, match="signal"):
        store.purge([RetentionRule("samples", T0, machine_id="m1")])
