"""A shift behind its target stays one alarm while the machine's records keep arriving."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pabrik.alarms.definitions import AlarmDefinition, AlarmSettings
from pabrik.alarms.evaluation import MachineView, on_view, tracked_for
from pabrik.model.records import SampleRecord, StateRecord
from pabrik.model.states import StateClass
from pabrik.runtime.alarms.service import AlarmService
from pabrik.runtime.plant.siteconfig import load_site
from pabrik.storage.alarms import TransitionFilter
from pabrik.storage.sqlite.store import SqliteStore
from tests.paths import DEMO

T0 = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)  # 07:00 in Cikarang: the morning shift begins
BEHIND = {
    "id": "oee-tertinggal",
    "scope": {"machine": "filler-01"},
    "condition": {"kind": "behind_target", "measure": "oee", "target": 0.6, "at_fraction": 0.5},
    "message": {"id": "OEE di bawah target", "en": "OEE below target"},
}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    s = SqliteStore(tmp_path / "p.sqlite")
    s.upgrade()
    yield s
    s.close()


def test_records_between_ticks_do_not_clear_a_shift_behind_target(store: SqliteStore) -> None:
    now = [T0]
    plant = load_site(DEMO).plant()
    settings = AlarmSettings.model_validate({"definitions": [BEHIND]})
    svc = AlarmService(plant, settings, store, lambda: now[0], shift_figure=lambda *_: 0.4)
    running = StateRecord("sim", "filler-01", T0, StateClass.RUNNING, product_id="amdk-600")
    store.write([running])
    svc.observe([running])
    half = T0 + timedelta(hours=4, minutes=1)  # past half of the 8-hour shift
    for minute in range(10):
        now[0] = half + timedelta(minutes=minute)
        svc.tick()
        # A reading and a state change (a short jam and back) between two ticks.
        state = StateClass.UNPLANNED_STOP if minute % 2 else StateClass.RUNNING
        records = [
            SampleRecord("sim", "filler-01", "temperature", now[0], 50.0),
            StateRecord("sim", "filler-01", now[0] + timedelta(seconds=20), state,
                        product_id="amdk-600"),
        ]  # fmt: skip
        store.write(records)
        svc.observe(records)
    found = store.alarm_transitions(TransitionFilter(T0, now[0] + timedelta(minutes=1)))
    assert [t.event for t in found] == ["activate"]


def test_a_shift_judged_behind_stays_one_alarm_until_the_next_shift_begins() -> None:
    d = AlarmDefinition.model_validate(BEHIND)
    t, out = tracked_for(d), []
    # The shift's OEE hovers about its target after the set point: one alarm, not one a dip.
    for minute, oee in enumerate([0.58, 0.61, 0.59, 0.62, 0.58, 0.63]):
        view = MachineView(T0 + timedelta(minutes=minute), StateClass.RUNNING, in_shift=True,
                           shift_elapsed=0.5 + minute / 480, shift_actual=oee)  # fmt: skip
        t, ts = on_view(d, t, view)
        out += ts
    assert [x.event for x in out] == ["activate"]
    nxt = MachineView(T0 + timedelta(hours=1), StateClass.RUNNING, in_shift=True,
                      shift_elapsed=0.01)  # fmt: skip
    t, ts = on_view(d, t, nxt)
    assert [x.event for x in ts] == ["clear"]  # the next shift is judged afresh
