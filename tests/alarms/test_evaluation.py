"""Definitions meet inputs: deadband, delays, rates, stops, targets, scores and suppression."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from pabrik.alarms.definitions import AlarmDefinition, AlarmSettings
from pabrik.alarms.evaluation import MachineView, Reading, Tracked, on_reading, on_view, tracked_for
from pabrik.alarms.states import AlarmState, Transition
from pabrik.model.states import StateClass

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def at(s: float) -> datetime:
    return T0 + timedelta(seconds=s)


def define(condition: dict[str, Any], **extra: Any) -> AlarmDefinition:
    scope = {"machine": "m1", "signal": "temp"}
    data = {"id": "a", "scope": scope, "condition": condition, "message": {"id": "x"}} | extra
    return AlarmDefinition.model_validate(data)


def feed(d: AlarmDefinition, values: list[tuple[float, float]]) -> tuple[Tracked, list[Transition]]:
    t, out = tracked_for(d), []
    for s, v in values:
        t, ts = on_reading(d, t, Reading(at(s), v))
        out += ts
    return t, out


def test_high_limit_with_deadband_does_not_chatter() -> None:
    d = define({"kind": "high", "limit": 80, "deadband": 5})
    _t, ts = feed(d, [(0, 79), (1, 81), (2, 79), (3, 81), (4, 76), (5, 74)])
    assert [x.event for x in ts] == ["activate", "clear"]
    assert ts[1].at == at(5)


def test_on_delay_needs_the_condition_to_hold() -> None:
    d = define({"kind": "low", "limit": 10, "on_delay_s": 30})
    t, ts = feed(d, [(0, 5), (20, 12), (25, 5), (50, 5)])
    assert ts == []
    t, ts = on_view(d, t, MachineView(at(56), StateClass.RUNNING))
    assert [x.after for x in ts] == [AlarmState.ACTIVE_UNACK]


def test_off_delay_keeps_the_alarm_through_a_short_return() -> None:
    d = define({"kind": "high", "limit": 80, "off_delay_s": 60})
    _, ts = feed(d, [(0, 90), (10, 70), (30, 90), (40, 70), (120, 70)])
    assert [x.event for x in ts] == ["activate", "clear"]
    assert ts[1].at == at(120)


def test_rate_of_change_per_minute() -> None:
    d = define({"kind": "rate", "max_per_minute": 2})
    _, ts = feed(d, [(0, 50), (60, 51), (120, 55), (180, 56)])
    assert [(x.event, x.at) for x in ts] == [("activate", at(120)), ("clear", at(180))]


def test_anomaly_score_above_threshold() -> None:
    d = define({"kind": "anomaly", "threshold": 0.9})
    _, ts = feed(d, [(0, 0.2), (1, 0.95), (2, 0.3)])
    assert [x.event for x in ts] == ["activate", "clear"]


def test_stale_signal_alarm_fires_on_a_look_without_samples() -> None:
    d = define({"kind": "stale", "max_age_s": 120})
    t, _ = feed(d, [(0, 1.0)])
    t, ts = on_view(d, t, MachineView(at(100), StateClass.RUNNING))
    assert ts == []
    t, ts = on_view(d, t, MachineView(at(200), StateClass.RUNNING))
    assert [x.event for x in ts] == ["activate"]
    t, ts = on_reading(d, t, Reading(at(210), 2.0))
    t, ts = on_view(d, t, MachineView(at(211), StateClass.RUNNING))
    assert [x.event for x in ts] == ["clear"]


def test_long_unplanned_stop() -> None:
    d = define({"kind": "long_stop", "minutes": 15}, scope={"machine": "m1"})
    t = tracked_for(d)
    view = MachineView(at(600), StateClass.UNPLANNED_STOP, state_since=at(0))
    t, ts = on_view(d, t, view)
    assert ts == []
    t, ts = on_view(d, t, MachineView(at(901), StateClass.UNPLANNED_STOP, state_since=at(0)))
    assert [x.after for x in ts] == [AlarmState.ACTIVE_UNACK]


def test_idle_only_counts_inside_a_shift() -> None:
    d = define({"kind": "idle_in_shift", "minutes": 5}, scope={"machine": "m1"})
    out = MachineView(at(900), StateClass.IDLE, state_since=at(0), in_shift=False)
    assert on_view(d, tracked_for(d), out)[1] == []
    inside = MachineView(at(900), StateClass.IDLE, state_since=at(0), in_shift=True)
    assert [x.event for x in on_view(d, tracked_for(d), inside)[1]] == ["activate"]


def test_output_behind_target_only_after_the_set_point() -> None:
    cond = {"kind": "behind_target", "measure": "output", "target": 800, "at_fraction": 0.5}
    d = define(cond, scope={"machine": "m1"})
    early = MachineView(at(0), StateClass.RUNNING, shift_elapsed=0.25, shift_actual=10)
    t, ts = on_view(d, tracked_for(d), early)
    assert ts == []
    half = MachineView(at(1), StateClass.RUNNING, shift_elapsed=0.5, shift_actual=390)
    t, ts = on_view(d, t, half)
    assert [x.event for x in ts] == ["activate"]
    t, ts = on_view(d, t, MachineView(at(2), StateClass.RUNNING, shift_elapsed=None))
    assert [x.event for x in ts] == ["clear"]


def test_planned_stop_suppresses_by_design() -> None:
    d = define({"kind": "high", "limit": 80})
    stop = MachineView(at(0), StateClass.PLANNED_STOP)
    t, ts = on_reading(d, tracked_for(d), Reading(at(0), 95), stop)
    assert [x.after for x in ts] == [AlarmState.SUPPRESSED]
    t, ts = on_view(d, t, MachineView(at(5), StateClass.RUNNING))
    assert [x.after for x in ts] == [AlarmState.ACTIVE_UNACK]


def test_product_scope_applies_only_while_that_product_runs() -> None:
    d = define({"kind": "high", "limit": 80}, scope={"signal": "temp", "product": "p2"})
    other = MachineView(at(0), StateClass.RUNNING, product="p1")
    assert on_reading(d, tracked_for(d), Reading(at(0), 95), other)[1] == []
    same = MachineView(at(0), StateClass.RUNNING, product="p2")
    assert len(on_reading(d, tracked_for(d), Reading(at(0), 95), same)[1]) == 1


def test_bad_samples_are_ignored() -> None:
    d = define({"kind": "high", "limit": 80})
    t, ts = on_reading(d, tracked_for(d), Reading(at(0), 95, good=False))
    assert ts == []
    assert t.memory.last_ts is None


def test_signal_kinds_need_a_signal_and_ids_are_unique() -> None:
    with pytest.raises(ValidationError, match=r"needs scope\.signal"):
        define({"kind": "high", "limit": 1}, scope={"machine": "m1"})
    d = define({"kind": "high", "limit": 1}).model_dump()
    with pytest.raises(ValidationError, match="duplicate alarm id"):
        AlarmSettings.model_validate({"definitions": [d, d]})
