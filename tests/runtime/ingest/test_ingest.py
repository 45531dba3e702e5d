from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pabrik.model.records import CountRecord, SampleRecord
from pabrik.runtime.ingest.pipeline import Ingestor
from pabrik.runtime.plant.siteconfig import load_site
from pabrik.storage.sqlite.store import SqliteStore
from tests.paths import DEMO

NOW = datetime(2025, 3, 10, 2, 0, tzinfo=UTC)


@pytest.fixture
def ingestor(tmp_path: Path):
    plant = load_site(DEMO).plant()
    store = SqliteStore(tmp_path / "p.sqlite")
    store.upgrade()
    yield Ingestor(store, plant, clock=lambda: NOW)
    store.close()


def a_machine(ingestor: Ingestor) -> tuple[str, str]:
    machine = ingestor.plant.machines()[0]
    return machine.id, machine.signals[0].id


def test_bad_payloads_go_to_the_dead_letter_store_and_good_ones_are_kept(
    ingestor: Ingestor,
) -> None:
    machine, signal = a_machine(ingestor)
    ok = ingestor.offer_payload(
        '{"ts": "2025-03-10T08:59:00+07:00", "value": 180.5}',
        kind="sample",
        source="mqtt",
        machine_id=machine,
        signal_id=signal,
    )
    bad = [
        ("{oops", machine, signal, "malformed_json"),
        ('{"ts": "2025-03-10T01:59:00Z", "value": "hot"}', machine, signal, "wrong_type"),
        ('{"ts": "2025-03-10T01:59:00Z", "value": 1}', "ghost-machine", signal, "unknown_machine"),
        ('{"ts": "2025-03-10T01:59:00Z", "value": 1}', machine, "ghost-signal", "unknown_signal"),
        ('{"ts": "2025-03-10T03:00:00Z", "value": 1}', machine, signal, "clock_skew"),
    ]
    codes = []
    for payload, m, s, _ in bad:
        rejection = ingestor.offer_payload(
            payload, kind="sample", source="mqtt", machine_id=m, signal_id=s
        )
        assert rejection is not None
        codes.append(rejection.code)
    ingestor.flush()
    assert ok is None
    assert codes == [code for *_, code in bad]
    store = ingestor.store
    assert store.row_counts()["samples"] == 1
    letters = store.dead_letters(10, 0)
    assert {d.reason_code for d in letters} == set(codes)
    assert any(d.payload == "{oops" for d in letters)
    assert ingestor.metrics.rejected == 5
    assert ingestor.metrics.accepted == 1


def test_a_negative_count_and_nan_are_dead_lettered_not_written(ingestor: Ingestor) -> None:
    machine, signal = a_machine(ingestor)
    ts = NOW - timedelta(minutes=1)
    ingestor.offer(
        [
            CountRecord("sim", machine, ts, good=-5, scrap=0),
            SampleRecord("sim", machine, signal, ts, float("nan")),
            CountRecord("sim", machine, ts, good=5, scrap=1),
        ]
    )
    result = ingestor.flush()
    assert result.inserted == 1
    assert sorted(d.reason_code for d in ingestor.store.dead_letters(10, 0)) == [
        "negative_count",
        "not_finite",
    ]


def test_a_replay_is_counted_as_duplicates_not_new_rows(ingestor: Ingestor) -> None:
    machine, _ = a_machine(ingestor)
    batch = [CountRecord("sim", machine, NOW - timedelta(minutes=i), 3, 0) for i in range(10)]
    ingestor.offer(batch)
    ingestor.flush()
    ingestor.offer(batch)
    ingestor.flush()
    assert ingestor.metrics.accepted == 10
    assert ingestor.metrics.duplicates == 10
    assert ingestor.store.row_counts()["counts"] == 10


def test_a_failed_commit_keeps_records_and_dead_letters_for_the_retry(ingestor: Ingestor) -> None:
    import sqlite3

    machine, _ = a_machine(ingestor)
    ts = NOW - timedelta(minutes=1)
    ingestor.offer([CountRecord("sim", machine, ts, 4, 0), CountRecord("sim", machine, ts, -1, 0)])
    writer = ingestor.store._writer  # type: ignore[attr-defined]
    writer.execute("PRAGMA query_only = ON")  # the real database refuses to write
    with pytest.raises(sqlite3.OperationalError):
        ingestor.flush()
    writer.execute("PRAGMA query_only = OFF")
    ingestor.flush()
    ingestor.flush()
    assert ingestor.store.row_counts()["counts"] == 1
    assert ingestor.store.dead_letter_count() == 1
