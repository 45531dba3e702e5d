"""Alarm-performance figures on hand-made logs, and the scoping of definitions to machines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pabrik.alarms.definitions import AlarmDefinition, AlarmSettings, Priority
from pabrik.alarms.metrics import LogEntry, performance
from pabrik.alarms.scoping import alarm_key, machines_of, position_of, unknown_references
from pabrik.alarms.states import AlarmState
from pabrik.runtime.plant.siteconfig import load_site
from tests.paths import DEMO

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
A = AlarmState


def at(s: float) -> datetime:
    return T0 + timedelta(seconds=s)


def fired(key: str, s: float, priority: Priority = Priority.LOW, position: str = "l1") -> LogEntry:
    return LogEntry(key, position, priority, at(s), "activate", A.NORMAL, A.ACTIVE_UNACK, True)


def cleared(key: str, s: float) -> LogEntry:
    return LogEntry(key, "l1", Priority.LOW, at(s), "clear", A.ACTIVE_UNACK, A.RTN_UNACK, False)


def test_rates_flood_and_peak_per_position() -> None:
    log = [fired(f"a{i}", i) for i in range(12)] + [fired("b", 700, position="l2")]
    p = performance(log, T0, at(3600))
    assert p.total == 13
    l1, l2 = p.positions
    assert (l1.position, l1.alarms, l1.peak_10_min) == ("l1", 12, 12)
    assert l1.per_10_min == pytest.approx(2.0)
    assert l1.per_hour == pytest.approx(12.0)
    assert l1.flood_share == pytest.approx(1 / 6)
    assert l2.flood_share == 0
    assert p.flood_share == pytest.approx(1 / 12)
    assert p.peak_10_min == 12


def test_chattering_fleeting_and_stale() -> None:
    log = [fired("c", 0), cleared("c", 1), fired("c", 20), cleared("c", 21), fired("c", 50)]
    log += [fired("s", 10)]
    p = performance(log, T0, at(25 * 3600))
    assert p.chattering == ("c",)
    assert p.fleeting == ("c",)
    assert p.stale == ("c", "s")
    assert p.fix_first[0].key == "c"
    assert set(p.fix_first[0].reasons) == {"frequent", "chattering", "fleeting", "stale"}


def test_top10_share_and_priority_mix() -> None:
    log = [fired(f"k{i}", i * 700, Priority.HIGH if i == 0 else Priority.LOW) for i in range(20)]
    p = performance(log, T0, at(20 * 700))
    assert p.top10_share == pytest.approx(0.5)
    assert p.priority_mix[Priority.HIGH] == pytest.approx(0.05)
    assert p.priority_mix[Priority.LOW] == pytest.approx(0.95)


def test_shelved_time_is_clipped_to_the_period() -> None:
    log = [
        LogEntry("x", "l1", Priority.LOW, at(-100), "shelve", A.NORMAL, A.SHELVED, False),
        LogEntry("x", "l1", Priority.LOW, at(300), "expire", A.SHELVED, A.NORMAL, False),
        LogEntry("y", "l1", Priority.LOW, at(500), "shelve", A.NORMAL, A.SHELVED, False),
    ]
    assert performance(log, T0, at(600)).shelved_s == {"x": 300.0, "y": 100.0}


def test_empty_log_gives_zeros() -> None:
    p = performance([], T0, at(600))
    assert (p.total, p.flood_share, p.top10_share, p.fix_first) == (0, 0.0, 0.0, ())


def test_definitions_expand_to_machines_and_name_unknown_references() -> None:
    plant = load_site(DEMO).plant()
    machine = plant.machines()[0]
    signal = machine.signals[0].id
    d = AlarmDefinition.model_validate(
        {
            "id": "hot",
            "scope": {"signal": signal},
            "condition": {"kind": "high", "limit": 1},
            "message": {"id": "panas", "en": "hot"},
        }
    )
    assert machine in machines_of(d, plant)
    assert alarm_key("hot", machine.id) == f"hot/{machine.id}"
    assert position_of(d, plant, machine.id) == plant.lines()[0].id
    bad = d.model_copy(update={"scope": d.scope.model_copy(update={"line": "nowhere"})})
    problems = unknown_references(AlarmSettings(definitions=[bad]), plant)
    assert problems == [(("alarms", "definitions", 0, "scope", "line"), "unknown line 'nowhere'")]
