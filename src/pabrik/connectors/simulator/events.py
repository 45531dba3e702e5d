"""Sensor events now and then: a spike or a short drift on one gauge, for anomaly detection.

The plant's machines take turns: event ``k`` of machine ``i`` of ``n`` falls in the slot
``(k * n + i) * every`` (epoch milliseconds) plus a jitter of up to half a slot, so the plant as
a whole has one event every ``every`` and each machine one every ``n * every``. Everything
about an event (instant, gauge, kind, size) follows from the seed, the machine and ``k``, so a
sample's value does not depend on where a backfill or a live step began. An event on a
machine that is not running leaves no trace.
"""

from __future__ import annotations

from dataclasses import dataclass

from pabrik.connectors.simulator.behaviour import seeded_rng

SPIKE_SHARE = 0.5  # of the gauge's span, for one sample
DRIFT_SHARE = 0.4  # of the span at the end of a drift
DRIFT_SAMPLES = 20  # samples a drift lasts before the reading snaps back


@dataclass(frozen=True, slots=True)
class SensorEvent:
    """One event: when it starts, which gauge (position among the gauges), spike or drift."""

    start: int
    gauge: int
    drift: bool
    sign: float


class EventSchedule:
    """The events of one machine, computed from the instant alone."""

    def __init__(
        self, seed: int, machine_id: str, index: int, machines: int, every_ms: int, gauges: int
    ) -> None:
        self._seed = seed
        self._machine_id = machine_id
        self._offset = index * every_ms
        self._cycle = machines * every_ms
        self._every = every_ms
        self._gauges = gauges
        self._cache: dict[int, SensorEvent] = {}

    def _event(self, k: int) -> SensorEvent:
        found = self._cache.get(k)
        if found is None:
            rng = seeded_rng(self._seed, self._machine_id, f"event-{k}")
            start = k * self._cycle + self._offset + int(rng.random() * self._every / 2)
            gauge = rng.randrange(self._gauges)
            drift = rng.random() < 0.5
            found = SensorEvent(start, gauge, drift, 1.0 if rng.random() < 0.8 else -1.0)
            if len(self._cache) > 8:
                self._cache.clear()
            self._cache[k] = found
        return found

    def share(self, ts: int, gauge: int, period_ms: int) -> float:
        """How far (a share of the span) the event in force at ``ts`` moves ``gauge``."""
        if self._gauges == 0:
            return 0.0
        k = (ts - self._offset) // self._cycle
        for event in (self._event(k), self._event(k - 1)):
            if event.gauge != gauge or ts < event.start:
                continue
            step = (ts - event.start) // period_ms
            if not event.drift and step == 0:
                return event.sign * SPIKE_SHARE
            if event.drift and step < DRIFT_SAMPLES:
                return event.sign * DRIFT_SHARE * (step + 1) / DRIFT_SAMPLES
        return 0.0
