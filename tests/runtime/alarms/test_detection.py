"""Anomaly detection on ingest: scores feed anomaly alarms, pause off-run, and survive a restart."""

from __future__ import annotations

import copy
import json
import math
import random
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from pabrik.alarms.definitions import AlarmSettings
from pabrik.alarms.scoping import unknown_references
from pabrik.anomaly.gaussian import GaussianDetector
from pabrik.anomaly.multivariate import MachineDetector
from pabrik.model.records import Record, SampleRecord, StateRecord
from pabrik.model.site import Plant
from pabrik.model.states import StateClass
from pabrik.runtime.alarms import queries
from pabrik.runtime.alarms.detection import Detection, attach
from pabrik.runtime.alarms.service import AlarmService, Score
from pabrik.runtime.app import build_runtime
from pabrik.runtime.ingest.pipeline import Ingestor
from pabrik.runtime.ingest.worker import IngestWorker, WorkerOptions
from pabrik.runtime.plant.siteconfig import load_site
from pabrik.runtime.settings import Settings
from pabrik.storage.postgres.store import PostgresStore
from pabrik.storage.sqlite.store import SqliteStore
from tests.paths import DEMO

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
NOW = T0 + timedelta(days=3)


def definition(**condition: Any) -> dict[str, Any]:
    return {
        "id": "anomali-getaran",
        "scope": {"machine": "imm-01", "signal": "vibration"},
        "condition": {"kind": "anomaly", "threshold": 0.95, **condition},
        "message": {"id": "Getaran tidak biasa", "en": "Unusual vibration"},
    }


@pytest.fixture
def plant() -> Plant:
    return load_site(DEMO).plant()


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "p.sqlite"


@pytest.fixture
def store(path: Path) -> Iterator[SqliteStore]:
    s = SqliteStore(path)
    s.upgrade()
    yield s
    s.close()


class Line:
    """An ingestor with alarms and detection over a store, recording every score it hands on."""

    def __init__(self, plant: Plant, store: SqliteStore | PostgresStore, **condition: Any) -> None:
        settings = AlarmSettings.model_validate({"definitions": [definition(**condition)]})
        self.alarms = AlarmService(plant, settings, store, lambda: NOW)
        self.ingestor = Ingestor(store, plant, clock=lambda: NOW)
        self.scores: list[Score] = []
        observe = self.alarms.observe_scores

        def recording(scores: Sequence[Score]) -> int:
            self.scores += list(scores)
            return observe(scores)

        self.alarms.observe_scores = recording  # type: ignore[method-assign]
        found = attach(self.ingestor, self.alarms, settings)
        assert found is not None
        self.detection: Detection = found

    def feed(self, records: list[Record], size: int = 50) -> None:
        for i in range(0, len(records), size):
            self.ingestor.ingest(records[i : i + size])


def sample(minute: int, value: float, signal: str = "vibration") -> SampleRecord:
    return SampleRecord("sim", "imm-01", signal, T0 + timedelta(minutes=minute), value)


def state(minute: int, s: StateClass) -> StateRecord:
    return StateRecord("sim", "imm-01", T0 + timedelta(minutes=minute), s, product_id=None)


def stream(n: int, spike_at: int | None = None, seed: int = 5) -> list[Record]:
    rng = random.Random(seed)
    out: list[Record] = [state(0, StateClass.RUNNING)]
    for i in range(1, n + 1):
        value = 2.0 + 0.3 * math.sin(i / 30) + rng.gauss(0, 0.05)
        out.append(sample(i, value + (3.0 if i == spike_at else 0.0)))
    return out


def test_a_spike_on_a_detected_signal_raises_the_anomaly_alarm(
    plant: Plant, store: SqliteStore
) -> None:
    line = Line(plant, store)
    line.feed(stream(600, spike_at=550))
    assert len(line.scores) == 600
    assert all(0.0 <= s[3] <= 1.0 for s in line.scores)
    assert max(line.scores, key=lambda s: s[3])[2] == T0 + timedelta(minutes=550)
    [alarm] = queries.alarms(line.alarms, attention_only=True)
    assert alarm.key == "anomali-getaran/imm-01"


def test_a_restart_mid_stream_gives_the_scores_of_an_uninterrupted_run(
    plant: Plant, tmp_path: Path
) -> None:
    records = stream(600, spike_at=450)
    whole_store = SqliteStore(tmp_path / "a.sqlite")
    whole_store.upgrade()
    whole = Line(plant, whole_store)
    whole.feed(records)
    split_store = SqliteStore(tmp_path / "b.sqlite")
    split_store.upgrade()
    first = Line(plant, split_store)
    first.feed(records[:301])
    split_store.close()
    reopened = SqliteStore(tmp_path / "b.sqlite")
    second = Line(plant, reopened)
    second.feed(records[251:])  # 50 records delivered again: already learnt, skipped
    assert first.scores + second.scores == whole.scores
    whole_store.close()
    reopened.close()


def test_detection_pauses_while_the_machine_is_not_running(
    plant: Plant, store: SqliteStore
) -> None:
    line = Line(plant, store)
    records = stream(300)
    records += [state(301, StateClass.PLANNED_STOP), *(sample(m, 0.1) for m in range(302, 340))]
    records += [state(340, StateClass.RUNNING), *(sample(m, 2.0) for m in range(341, 360))]
    line.feed(records)
    minutes = [(s[2] - T0) // timedelta(minutes=1) for s in line.scores]
    assert not any(302 <= m < 340 for m in minutes)
    assert minutes[-1] == 359
    # The first points after the restart are learnt, not scored: a ramp-up is no anomaly.
    assert [s[3] for s in line.scores if s[2] > T0 + timedelta(minutes=340)][:10] == [0.0] * 10


def test_a_failed_write_leaves_the_detectors_as_the_last_commit_left_them(
    plant: Plant, store: SqliteStore, tmp_path: Path
) -> None:
    records = stream(400, spike_at=350)
    line = Line(plant, store)
    line.feed(records[:301])
    line.detection.prepare(records[301:351])  # scored and learnt, then the write fails
    line.detection.abort()
    assert line.detection.take() == []
    line.feed(records[301:])
    other = SqliteStore(tmp_path / "c.sqlite")
    other.upgrade()
    reference = Line(plant, other)
    reference.feed(records)
    assert line.scores == reference.scores
    other.close()


def test_with_signals_makes_one_detector_for_the_machine(plant: Plant, store: SqliteStore) -> None:
    line = Line(plant, store, with_signals=["temperature", "pressure"])
    rng = random.Random(3)
    records: list[Record] = [state(0, StateClass.RUNNING)]
    for i in range(1, 301):
        load = rng.random()
        records += [
            sample(i, 2 + load, "vibration"),
            sample(i, 40 + 10 * load, "temperature"),
            sample(i, 120 + 30 * load, "pressure"),
        ]
    line.feed(records, size=90)
    [watch] = line.detection.watches["imm-01"]
    assert isinstance(watch.detector, MachineDetector)
    assert sorted(watch.detector.detectors) == ["pressure", "temperature", "vibration"]
    assert len(line.scores) == 300


def test_one_signal_takes_one_detector_and_unknown_signals_are_named(plant: Plant) -> None:
    other = definition(detector="gaussian") | {"id": "anomali-lain"}
    with pytest.raises(ValidationError, match="one detector"):
        AlarmSettings.model_validate({"definitions": [definition(), other]})
    settings = AlarmSettings.model_validate(
        {"definitions": [definition(with_signals=["temperature", "suhu-x"])]}
    )
    [(where, problem)] = unknown_references(settings, plant)
    assert where[-2:] == ("with_signals", 1)
    assert "suhu-x" in problem


def test_no_anomaly_alarm_means_no_detection_stage(plant: Plant, store: SqliteStore) -> None:
    alarms = AlarmService(plant, AlarmSettings(), store, lambda: NOW)
    ingestor = Ingestor(store, plant, clock=lambda: NOW)
    assert attach(ingestor, alarms, AlarmSettings()) is None
    assert ingestor.stage is None


def test_the_demo_runtime_scores_its_machines_as_the_simulator_backfills(tmp_path: Path) -> None:
    settings = Settings(config=DEMO, data_dir=tmp_path, seed=42)
    runtime = build_runtime(settings, clock=lambda: T0 + timedelta(hours=6))
    try:
        assert runtime.detection is not None
        assert runtime.ingestor.stage is runtime.detection
        assert len(runtime.detection.watches) == len(runtime.plant.machines())
        runtime.backfill(0.25)
        saved = runtime.store.checkpoint("anomaly:imm-01:vibration")
        assert saved is not None
        assert '"kind": "machine"' in saved
    finally:
        runtime.close()


def test_postgres_keeps_the_detector_state_with_the_batch_across_a_restart(
    plant: Plant, store: SqliteStore, pg_url: str
) -> None:
    records = stream(400, spike_at=380)
    whole = Line(plant, store)
    whole.feed(records)
    pg = PostgresStore(pg_url, pool_size=2)
    pg.upgrade()
    first = Line(plant, pg)
    first.feed(records[:201])
    pg.close()
    again = PostgresStore(pg_url, pool_size=2)
    second = Line(plant, again)
    second.feed(records[151:])
    again.close()
    assert first.scores + second.scores == whole.scores


def test_an_ingest_worker_detects_on_the_batches_it_commits(tmp_path: Path) -> None:
    settings = Settings(config=DEMO, data_dir=tmp_path)
    worker = IngestWorker(settings, load_site(DEMO), WorkerOptions("w1"))
    try:
        assert worker.detection is not None
        assert worker.ingestor.stage is worker.detection
    finally:
        worker.store.close()


def test_ingest_hands_each_sample_s_instant_to_the_detector_s_daily_profile(
    plant: Plant, store: SqliteStore
) -> None:
    line = Line(plant, store)
    line.feed(stream(600))
    [watch] = line.detection.watches["imm-01"]
    watch.load(store.checkpoint(watch.checkpoint), store.checkpoint(watch.open_checkpoint))
    profile = watch.detector.to_dict()["profile"]
    # 600 one-minute samples from 01:01 UTC: the half-hour slots 2 to 22 learnt them, no other.
    learnt = [slot for slot, n in enumerate(profile["n"]) if n]
    assert learnt == list(range(2, 23))
    assert sum(profile["n"]) == 600


# Detection periods: a fast signal feeds its detector one mean reading per period.


def fast(start_s: float, seconds: float, hz: int = 10, seed: int = 7) -> list[SampleRecord]:
    """Vibration sampled ``hz`` times a second from ``start_s`` seconds after T0."""
    rng = random.Random(seed)
    out = []
    for i in range(int(seconds * hz)):
        at = T0 + timedelta(seconds=start_s) + timedelta(milliseconds=37 + 1000 * i // hz)
        out.append(SampleRecord("sim", "imm-01", "vibration", at, 2.0 + rng.gauss(0, 0.1)))
    return out


def test_a_fast_signal_feeds_its_detector_one_mean_per_period_stamped_at_its_end(
    plant: Plant, store: SqliteStore
) -> None:
    line = Line(plant, store, detector="gaussian")
    samples = fast(0, 30.5)
    line.feed([state(0, StateClass.RUNNING), *samples], size=7)
    # 30 periods are over; the 31st is open (no later sample has come yet).
    assert [s[2] for s in line.scores] == [T0 + timedelta(seconds=k) for k in range(1, 31)]
    reference = GaussianDetector()
    expected = []
    for k in range(1, 31):
        values = [
            s.value
            for s in samples
            if T0 + timedelta(seconds=k - 1) < s.ts <= T0 + timedelta(seconds=k)
        ]
        expected.append(
            reference.process_one(
                sum(values) / len(values), (T0 + timedelta(seconds=k)).timestamp()
            )
        )
    assert [s[3] for s in line.scores] == expected


def test_the_period_is_a_setting_of_the_anomaly_condition(plant: Plant, store: SqliteStore) -> None:
    line = Line(plant, store, detector="gaussian", period_s=5)
    line.feed([state(0, StateClass.RUNNING), *fast(0, 30.5)], size=40)
    assert [s[2] for s in line.scores] == [T0 + timedelta(seconds=k) for k in range(5, 31, 5)]
    other = definition(period_s=2) | {"id": "anomali-lain"}
    with pytest.raises(ValidationError, match="one detector"):
        AlarmSettings.model_validate({"definitions": [definition(), other]})


def test_the_open_period_survives_a_batch_boundary_a_restart_and_a_batch_delivered_twice(
    plant: Plant, tmp_path: Path
) -> None:
    records: list[Record] = [state(0, StateClass.RUNNING), *fast(0, 120, hz=20)]
    whole_store = SqliteStore(tmp_path / "a.sqlite")
    whole_store.upgrade()
    whole = Line(plant, whole_store)
    whole.feed(records, size=13)
    split_store = SqliteStore(tmp_path / "b.sqlite")
    split_store.upgrade()
    first = Line(plant, split_store)
    first.feed(records[:1211], size=13)  # stops mid-period, at 60.5 s
    first.feed(records[1190:1211])  # part of it again: not learnt twice
    split_store.close()
    reopened = SqliteStore(tmp_path / "b.sqlite")
    second = Line(plant, reopened)
    second.feed(records[1150:], size=29)  # 61 records delivered again
    assert len(whole.scores) == 119
    assert first.scores + second.scores == whole.scores
    whole_store.close()
    reopened.close()


def test_a_state_change_closes_the_open_period_first(plant: Plant, store: SqliteStore) -> None:
    line = Line(plant, store, detector="gaussian")
    samples = fast(0, 20)
    stop = StateRecord("sim", "imm-01", T0 + timedelta(seconds=19.5), StateClass.PLANNED_STOP, None)
    records = sorted([state(0, StateClass.RUNNING), *samples, stop], key=lambda r: r.ts)
    line.feed(records, size=11)
    # The last period is scored at the stop, from the samples before it; none after it counts.
    assert [s[2] for s in line.scores] == [T0 + timedelta(seconds=k) for k in range(1, 21)]
    before_stop = [s.value for s in samples if T0 + timedelta(seconds=19) < s.ts < stop.ts]
    reference = GaussianDetector()
    for k in range(1, 20):
        values = [
            s.value
            for s in samples
            if T0 + timedelta(seconds=k - 1) < s.ts <= T0 + timedelta(seconds=k)
        ]
        reference.process_one(sum(values) / len(values), (T0 + timedelta(seconds=k)).timestamp())
    mean = sum(before_stop) / len(before_stop)
    assert line.scores[-1][3] == reference.score_one(mean, (T0 + timedelta(seconds=20)).timestamp())


def test_a_batch_that_learns_nothing_saves_only_the_open_period(
    plant: Plant, store: SqliteStore
) -> None:
    line = Line(plant, store)
    line.feed([state(0, StateClass.RUNNING), *fast(0, 2.2)])
    saved = store.checkpoint("anomaly:imm-01:vibration")
    within = fast(2.2, 0.5, seed=8)  # 2.237 .. 2.637 s: all in the open period (2, 3]
    saves = line.detection.prepare(within)
    assert list(saves) == ["anomaly:imm-01:vibration:open"]
    assert len(saves["anomaly:imm-01:vibration:open"]) < 1_000  # the detector: ~15 KB
    line.detection.abort()
    line.feed(within)
    assert store.checkpoint("anomaly:imm-01:vibration") == saved


def test_a_detector_saved_before_detection_periods_goes_on_from_its_last_sample(
    plant: Plant, store: SqliteStore, tmp_path: Path
) -> None:
    records = stream(300, spike_at=250)
    reference = Line(plant, store)
    reference.feed(records)
    first_store = SqliteStore(tmp_path / "first.sqlite")
    first_store.upgrade()
    first = Line(plant, first_store)
    first.feed(records[:201])
    detector = first.detection.watches["imm-01"][0].detector.to_dict()
    first_store.close()
    # The form saved before periods: the detector and its last sample, no open period.
    last_ms = int((T0 + timedelta(minutes=200)).timestamp() * 1000)
    old_store = SqliteStore(tmp_path / "old.sqlite")
    old_store.upgrade()
    old_form = json.dumps({"last_ms": last_ms, "detector": detector})
    old_store.write([], {"anomaly:imm-01:vibration": old_form})
    again = Line(plant, old_store)
    again.feed(records[150:])
    assert first.scores + again.scores == reference.scores
    old_store.close()


def test_a_detector_is_saved_every_ten_to_twenty_readings_and_its_log_replayed_on_load(
    plant: Plant, store: SqliteStore
) -> None:
    line = Line(plant, store)
    records: list[Record] = [state(0, StateClass.RUNNING), *fast(0, 100)]
    full = 0
    for i in range(0, len(records), 10):  # a batch a second: each closes one period
        saves = line.detection.prepare(records[i : i + 10])
        full += "anomaly:imm-01:vibration" in saves
        store.write(records[i : i + 10], saves)
        line.detection.take()
    assert 100 // 20 <= full <= 100 // 10
    [watch] = line.detection.watches["imm-01"]
    restored = copy.copy(watch)
    restored.load(store.checkpoint(watch.checkpoint), store.checkpoint(watch.open_checkpoint))
    assert restored.detector.to_dict() == watch.detector.to_dict()
