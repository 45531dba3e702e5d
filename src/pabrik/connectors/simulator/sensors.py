"""Sensor samples: gauges that follow the machine's state and a cumulative energy meter."""

from __future__ import annotations

import math
import random
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass

from pabrik.connectors.simulator import behaviour as bh
from pabrik.connectors.simulator.events import EventSchedule
from pabrik.connectors.simulator.timeline import Timeline
from pabrik.model.equipment import Signal, SignalKind
from pabrik.model.site import Machine
from pabrik.model.states import StateClass


@dataclass(slots=True)
class Gauge:
    """One gauge signal: where it sits in the machine's signal list and how it moves."""

    index: int
    profile: bh.SensorProfile
    low: float
    span: float
    offset: float
    level: float | None = None

    def target(self, running: bool, severity: float) -> float:
        """The level the gauge settles to in a state, with a developing fault on top."""
        p = self.profile
        share = p.running + p.fault * severity**1.5 if running else p.stopped
        return self.low + (share + self.offset) * self.span


def _gauge(index: int, signal: Signal, rng: random.Random) -> Gauge:
    profile = bh.sensor_profile(signal)
    low = profile.default_low if signal.low is None else signal.low
    high = profile.default_high if signal.high is None else signal.high
    # Two machines of one model never read quite the same.
    return Gauge(index, profile, low, high - low, rng.uniform(-0.04, 0.04))


class SensorMaker:
    """Samples each gauge and the energy meter on a fixed grid of instants."""

    def __init__(
        self,
        machine: Machine,
        rng: random.Random,
        period_ms: int,
        start: int,
        power_kw: float,
        lead_ms: int,
        events: EventSchedule | None = None,
    ) -> None:
        self._rng = rng
        self._events = events
        self._period = period_ms
        self._lead = lead_ms
        self._power_kw = power_kw * rng.uniform(0.85, 1.15)
        self._gauges = [
            _gauge(i, s, rng) for i, s in enumerate(machine.signals) if s.kind is SignalKind.GAUGE
        ]
        ids = [s.id for s in machine.signals]
        self._energy_index = ids.index(machine.energy_signal) if machine.energy_signal else None
        # A real meter has been counting for years before we start reading it.
        self._kwh = round(rng.uniform(20_000, 400_000), 1)
        self._next = -(-start // period_ms) * period_ms
        self.since = start

    def until(
        self, timeline: Timeline, breakdowns: list[int], end: int
    ) -> Iterator[tuple[int, int, float]]:
        """(ts, signal index, value) for every sample instant before ``end``."""
        while self._next < end:
            yield from self._sample(timeline, breakdowns, self._next)
            self.since = self._next
            self._next += self._period

    def _sample(
        self, timeline: Timeline, breakdowns: list[int], ts: int
    ) -> Iterator[tuple[int, int, float]]:
        severity = self._severity(breakdowns, ts)
        events = self._events
        if events is not None and timeline.at(ts).state is not StateClass.RUNNING:
            events = None  # an event on a machine at rest leaves no trace
        for pos, g in enumerate(self._gauges):
            level = self._settle(g, timeline, ts, severity)
            value = level + self._rng.gauss(0.0, g.profile.noise * g.span * (1 + severity))
            if events is not None:
                value += events.share(ts, pos, self._period) * g.span
                value = min(value, g.low + 1.5 * g.span)  # a sensor's reading has its range
            if g.low >= 0 > value:
                value = (
                    -value
                )  # a quantity with a zero floor (vibration RMS) reads noise as positive
            yield ts, g.index, round(value, 2)
        if self._energy_index is not None:
            self._kwh += self._energy(timeline, ts)
            yield ts, self._energy_index, round(self._kwh, 3)

    def _severity(self, breakdowns: list[int], ts: int) -> float:
        """How far a developing fault has grown: 0 far from a breakdown, 1 just before it."""
        i = bisect_left(breakdowns, ts)
        if i == len(breakdowns) or self._lead == 0:
            return 0.0
        return max(0.0, 1.0 - (breakdowns[i] - ts) / self._lead)

    def _settle(self, g: Gauge, timeline: Timeline, ts: int, severity: float) -> float:
        """Relax the gauge toward each state's level since the last sample (first order)."""
        if g.level is None:
            g.level = g.target(timeline.at(self.since).state is StateClass.RUNNING, severity)
        level = g.level
        for seg, ms in timeline.between(self.since, ts):
            target = g.target(seg.state is StateClass.RUNNING, severity)
            level = target + (level - target) * math.exp(-ms / 1000 / g.profile.tau_s)
        g.level = level
        return level

    def _energy(self, timeline: Timeline, ts: int) -> float:
        """Energy in kWh drawn since the last sample, with jitter that never runs backwards."""
        kwh = 0.0
        for seg, ms in timeline.between(self.since, ts):
            kwh += self._power_kw * bh.power_share(seg.state, seg.reason, seg.speed) * ms / 3.6e6
        return kwh * max(0.0, self._rng.gauss(1.0, 0.02))
