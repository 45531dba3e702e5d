"""Alarms evaluated on committed records and on a clock, acted on by people, over a real store."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from pabrik.alarms.definitions import AlarmSettings, Priority
from pabrik.alarms.states import Acknowledge, AlarmState, Shelve
from pabrik.model.errors import ConfigError, NotFoundError
from pabrik.model.records import Record, SampleRecord, StateRecord
from pabrik.model.site import Plant
from pabrik.model.states import StateClass
from pabrik.runtime.alarms import queries
from pabrik.runtime.alarms.service import AlarmService
from pabrik.runtime.plant.siteconfig import load_site, parse_site
from pabrik.storage.alarms import TransitionFilter
from pabrik.storage.sqlite.store import SqliteStore
from tests.paths import DEMO

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 08:00 in Cikarang, a Monday morning shift
DEFINITIONS: list[dict[str, Any]] = [
    {
        "id": "oli-panas",
        "scope": {"machine": "imm-01", "signal": "temperature"},
        "condition": {"kind": "high", "limit": 60, "deadband": 2},
        "priority": "high",
        "message": {"id": "Suhu oli hidraulik tinggi", "en": "Hydraulic oil hot"},
    },
    {
        "id": "henti-lama",
        "scope": {"line": "cetak-tutup"},
        "condition": {"kind": "long_stop", "minutes": 15},
        "priority": "medium",
        "message": {"id": "Berhenti lama", "en": "Long stop"},
    },
    {
        "id": "skor-anomali",
        "scope": {"machine": "imm-01", "signal": "vibration"},
        "condition": {"kind": "anomaly", "threshold": 0.9},
        "message": {"id": "Getaran tidak biasa", "en": "Unusual vibration"},
    },
]


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


@pytest.fixture
def plant() -> Plant:
    return load_site(DEMO).plant()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    s = SqliteStore(tmp_path / "p.sqlite")
    s.upgrade()
    yield s
    s.close()


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def service(plant: Plant, store: SqliteStore, clock: Clock | None = None) -> AlarmService:
    settings = AlarmSettings.model_validate({"definitions": DEFINITIONS})
    return AlarmService(plant, settings, store, clock or Clock())


def temp(minutes: float, value: float, machine: str = "imm-01") -> SampleRecord:
    return SampleRecord("sim", machine, "temperature", at(minutes), value)


def state(minutes: float, s: StateClass, machine: str = "imm-01") -> StateRecord:
    return StateRecord("sim", machine, at(minutes), s, product_id="tutup-28-biru")


def commit(svc: AlarmService, store: SqliteStore, records: list[Record]) -> int:
    store.write(records)
    done = svc.observe(records)
    assert_counts_match_bodies(svc)
    return done


def assert_counts_match_bodies(svc: AlarmService) -> None:
    """The banner's counts (from the state column) equal those of the decoded bodies."""
    decoded = Counter(a.priority for a in queries.alarms(svc, attention_only=True))
    assert queries.counts(svc) == {p: decoded.get(p, 0) for p in Priority}


def test_a_hot_sample_raises_one_alarm_that_an_operator_acknowledges(
    plant: Plant, store: SqliteStore
) -> None:
    svc = service(plant, store)
    commit(svc, store, [state(0, StateClass.RUNNING), temp(1, 55), temp(2, 63), temp(3, 64)])
    [alarm] = queries.alarms(svc, attention_only=True)
    assert (alarm.key, alarm.state, alarm.value) == (
        "oli-panas/imm-01",
        AlarmState.ACTIVE_UNACK,
        63,
    )
    assert queries.counts(svc)[Priority.HIGH] == 1
    svc.act(alarm.key, Acknowledge(at(4), "budi", "dicek"), "budi")
    assert_counts_match_bodies(svc)
    commit(svc, store, [temp(5, 57.5)])
    assert queries.alarms(svc, attention_only=True) == []
    rows = queries.history(svc, queries.HistoryQuery(T0, at(60)))
    assert [r.event for r in rows] == ["clear", "acknowledge", "activate"]
    assert rows[1].actor == "budi"
    assert rows[1].comment == "dicek"


def test_a_shelf_hides_the_alarm_until_it_expires_on_the_clock(
    plant: Plant, store: SqliteStore
) -> None:
    clock = Clock()
    svc = service(plant, store, clock)
    commit(svc, store, [state(0, StateClass.RUNNING), temp(1, 70)])
    until = svc.shelve_until(at(2), 30)
    svc.act("oli-panas/imm-01", Shelve(at(2), "sari", "sensor diganti", until), "sari")
    assert queries.counts(svc)[Priority.HIGH] == 0
    svc.tick(at(20))
    assert queries.alarms(svc)[0].state is AlarmState.SHELVED
    assert_counts_match_bodies(svc)
    svc.tick(at(33))
    assert_counts_match_bodies(svc)
    assert queries.alarms(svc, attention_only=True)[0].state is AlarmState.ACTIVE_UNACK
    with pytest.raises(NotFoundError):
        svc.act("nope", Acknowledge(at(40), "x"), "x")


def test_long_stop_fires_on_the_clock_and_during_a_batch(plant: Plant, store: SqliteStore) -> None:
    svc = service(plant, store)
    commit(svc, store, [state(0, StateClass.UNPLANNED_STOP, "imm-02")])
    svc.tick(at(10))
    assert queries.alarms(svc, "imm-02", attention_only=True) == []
    svc.tick(at(16))
    [alarm] = queries.alarms(svc, "imm-02", attention_only=True)
    assert alarm.key == "henti-lama/imm-02"
    # A stop that began and ended within one batch is caught when it crossed 15 minutes.
    records: list[Record] = [state(20, StateClass.UNPLANNED_STOP), state(45, StateClass.RUNNING)]
    commit(svc, store, records)
    where = TransitionFilter(T0, at(60), key="henti-lama/imm-01", event="activate")
    assert [r.at for r in store.alarm_transitions(where)] == [at(35) + timedelta(milliseconds=1)]


def test_planned_stop_suppresses_by_design(plant: Plant, store: SqliteStore) -> None:
    svc = service(plant, store)
    commit(svc, store, [state(0, StateClass.PLANNED_STOP), temp(1, 80)])
    assert queries.alarms(svc)[0].state is AlarmState.SUPPRESSED
    commit(svc, store, [state(5, StateClass.RUNNING), temp(6, 80)])
    assert queries.alarms(svc)[0].state is AlarmState.ACTIVE_UNACK


def test_anomaly_scores_raise_their_alarm(plant: Plant, store: SqliteStore) -> None:
    svc = service(plant, store)
    svc.observe_scores([("imm-01", "vibration", at(1), 0.5), ("imm-01", "vibration", at(2), 0.97)])
    [alarm] = queries.alarms(svc, attention_only=True)
    assert alarm.key == "skor-anomali/imm-01"


def test_two_workers_on_one_store_raise_one_alarm_and_a_restart_keeps_it(
    plant: Plant, store: SqliteStore
) -> None:
    first, second = service(plant, store), service(plant, store)
    store.write([state(0, StateClass.RUNNING), temp(1, 70), temp(2, 71)])
    first.observe([temp(1, 70)])
    second.observe([temp(2, 71)])
    where = TransitionFilter(T0, at(60), event="activate")
    assert len(store.alarm_transitions(where)) == 1
    again = service(plant, store)
    assert queries.alarms(again)[0].state is AlarmState.ACTIVE_UNACK


def test_the_report_counts_the_alarm(plant: Plant, store: SqliteStore) -> None:
    svc = service(plant, store)
    commit(svc, store, [state(0, StateClass.RUNNING), temp(1, 70), temp(2, 50), temp(3, 70)])
    report = queries.report(svc, T0, at(60))
    assert report.total == 2
    assert report.priority_mix[Priority.HIGH] == 1.0
    assert report.fix_first[0].key == "oli-panas/imm-01"


def test_site_files_name_unknown_alarm_scopes_by_path() -> None:
    text = DEMO.read_text(encoding="utf-8") + (
        "\nalarms:\n  definitions:\n    - id: x\n      scope: {machine: imm-99}\n"
        "      condition: {kind: long_stop, minutes: 5}\n      message: {id: x}\n"
    )
    with pytest.raises(ConfigError) as err:
        parse_site(text)
    assert [i.path for i in err.value.issues] == ["alarms.definitions[0].scope.machine"]


def test_a_state_repeated_for_hours_keeps_its_age_from_the_first_record(
    plant: Plant, store: SqliteStore
) -> None:
    svc = service(plant, store)
    repeats: list[Record] = [
        state(m, StateClass.UNPLANNED_STOP, "imm-02") for m in range(0, 200, 20)
    ]
    commit(svc, store, [state(-5, StateClass.RUNNING, "imm-02"), *repeats])
    view = svc._views(["imm-02"], at(200), before=True)["imm-02"]
    assert (view.state, view.state_since) == (StateClass.UNPLANNED_STOP, at(0))


def test_a_state_recorded_once_hours_ago_is_still_the_machine_s_state(
    plant: Plant, store: SqliteStore
) -> None:
    svc = service(plant, store)
    commit(svc, store, [state(0, StateClass.UNPLANNED_STOP, "imm-02")])
    view = svc._views(["imm-02"], at(200), before=True)["imm-02"]
    assert (view.state, view.state_since) == (StateClass.UNPLANNED_STOP, at(0))
