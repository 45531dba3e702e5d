"""Sensor events: a spike or a drift now and then, the same wherever a simulation step begins."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pabrik.connectors.simulator import SimulatedPlant, SimulatorConfig
from pabrik.connectors.simulator.events import DRIFT_SAMPLES, EventSchedule
from pabrik.model.records import SampleRecord
from pabrik.model.site import Plant

ANCHOR = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
MINUTE_MS = 60_000


def samples(plant: Plant, config: SimulatorConfig, hours: int, step_h: float) -> list[SampleRecord]:
    sim = SimulatedPlant(plant, config, ANCHOR)
    out: list[SampleRecord] = []
    t = ANCHOR
    while t < ANCHOR + timedelta(hours=hours):
        t += timedelta(hours=step_h)
        out += [r for r in sim.advance_to(t) if isinstance(r, SampleRecord)]
    return out


def test_events_move_a_few_samples_and_not_where_a_step_began(
    demo_plant: Plant, demo_config: SimulatorConfig
) -> None:
    quiet = demo_config.model_copy(update={"sensor_events_every_minutes": 0})
    busy = demo_config.model_copy(update={"sensor_events_every_minutes": 15})
    base = samples(demo_plant, quiet, 6, 6)
    whole = samples(demo_plant, busy, 6, 6)
    stepped = samples(demo_plant, busy, 6, 0.5)
    assert [(r.ts, r.value) for r in whole] == [(r.ts, r.value) for r in stepped]
    moved = [a for a, b in zip(base, whole, strict=True) if a.value != b.value]
    # 24 events in 6 hours, each one sample (spike) or up to 20 (drift), only while running.
    assert 5 <= len(moved) <= 24 * DRIFT_SAMPLES
    assert len(moved) < len(base) / 10


def test_the_plant_takes_turns_one_event_each_period() -> None:
    every = 15 * MINUTE_MS
    starts = sorted(
        EventSchedule(42, f"m{i}", i, 7, every, 3)._event(k).start
        for i in range(7)
        for k in range(10)
    )
    slots = [s // every for s in starts]
    assert slots == sorted(set(slots))  # never two events in one period


def test_a_config_without_events_dumps_as_before(demo_config: SimulatorConfig) -> None:
    quiet = demo_config.model_copy(update={"sensor_events_every_minutes": 0})
    assert "sensor_events_every_minutes" not in quiet.model_dump()
