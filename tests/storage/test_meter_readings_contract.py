"""``meter_readings`` returns the readings a window's energy needs, on both stores.

The reference is the wide read the KPI engine made before: every sample within the reach on
either side of the window. Both give the same energy for the window, and the narrow read is
exactly the wide one cut at the good readings that bound the window.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from pabrik.kpi.quantities import energy_deltas, energy_in
from pabrik.model.records import SampleRecord, to_epoch_ms
from pabrik.model.states import Quality
from pabrik.storage.store import Store

T0 = datetime(2025, 1, 6, 0, 0, tzinfo=UTC)
REACH_MS = 2 * 3600 * 1000
MINUTE = timedelta(minutes=1)


def meter(seed: int = 5) -> list[SampleRecord]:
    """Readings every few minutes over a day: bad ones, ties, a reset and a long gap."""
    rng = random.Random(seed)
    out: list[SampleRecord] = []
    kwh, minute = 100.0, 0
    while minute < 24 * 60:
        minute += rng.choice((1, 3, 7)) + (200 if rng.random() < 0.01 else 0)
        kwh = 0.5 if rng.random() < 0.01 else kwh + rng.random() * 3
        quality = Quality.BAD if rng.random() < 0.15 else Quality.GOOD
        ts = T0 + minute * MINUTE
        out.append(SampleRecord("meter", "m1", "kwh", ts, round(kwh, 3), quality))
        if rng.random() < 0.05:  # the same instant from a second source
            out.append(SampleRecord("spare", "m1", "kwh", ts, round(kwh + 0.1, 3), Quality.GOOD))
    out.append(SampleRecord("meter", "m1", "temp", T0 + 30 * MINUTE, 1.0))
    return out


def wide(store: Store, start: datetime, end: datetime) -> list[SampleRecord]:
    reach = timedelta(milliseconds=REACH_MS)
    return store.samples("m1", "kwh", start - reach, end + reach)


def expected(store: Store, start: datetime, end: datetime) -> list[SampleRecord]:
    """The wide read cut at the last good reading <= start and the first good one >= end."""
    every = wide(store, start, end)
    good = [r.ts for r in every if r.quality is not Quality.BAD]
    lo = max((t for t in good if t <= start), default=start)
    hi = min((t for t in good if t >= end), default=None)
    return [r for r in every if r.ts >= lo and (r.ts < end or (hi is not None and r.ts <= hi))]


def energy(readings: list[SampleRecord], start: datetime, end: datetime) -> int:
    pairs = [(r.ts, r.value) for r in readings if r.quality is not Quality.BAD]
    return energy_in(energy_deltas(pairs, REACH_MS), to_epoch_ms(start), to_epoch_ms(end))


def test_a_window_reads_only_its_bounding_readings_and_the_same_energy(store: Store) -> None:
    store.write(meter())
    rng = random.Random(9)
    windows = [(T0 + 30 * MINUTE, T0 + 90 * MINUTE), (T0 - timedelta(hours=3), T0), (T0, T0)]
    for _ in range(60):
        start = T0 + rng.randrange(-60, 25 * 60) * MINUTE + rng.choice((0, 1, 7)) * MINUTE / 60
        windows.append((start, start + rng.randrange(0, 240) * MINUTE))
    narrower = 0
    for start, end in windows:
        got = store.meter_readings("m1", "kwh", start, end, REACH_MS)
        assert [(r.ts, r.source, r.value, r.quality) for r in got] == [
            (r.ts, r.source, r.value, r.quality) for r in expected(store, start, end)
        ], (start, end)
        assert energy(got, start, end) == energy(wide(store, start, end), start, end)
        narrower += len(got) < len(wide(store, start, end))
    assert narrower > 50  # the cut is real, not the wide read again


def test_bounds_further_than_the_reach_are_not_read(store: Store) -> None:
    far = [
        SampleRecord("meter", "m1", "kwh", T0 - timedelta(hours=3), 1.0),
        SampleRecord("meter", "m1", "kwh", T0 + 10 * MINUTE, 2.0),
        SampleRecord("meter", "m1", "kwh", T0 + timedelta(hours=4), 3.0),
    ]
    store.write(far)
    got = store.meter_readings("m1", "kwh", T0, T0 + timedelta(hours=1), REACH_MS)
    assert [r.value for r in got] == [2.0]
