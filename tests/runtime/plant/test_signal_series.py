"""A machine page's sensor series averaged in the store equals the Python average of raw samples."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from pabrik.model.batch import PollRows, RecordBatch
from pabrik.model.calendar import Interval
from pabrik.model.records import SampleRecord, from_epoch_ms, to_epoch_ms
from pabrik.model.states import Quality
from pabrik.runtime.plant.queries import MAX_POINTS, signal_series
from pabrik.runtime.plant.views import SeriesPoint
from pabrik.storage.store import Store

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
SPANS = (
    timedelta(seconds=90),
    timedelta(hours=1),
    timedelta(hours=8),
    timedelta(days=1),
    timedelta(days=7, seconds=13),
)
SIZES = (0, 1, MAX_POINTS - 1, MAX_POINTS, MAX_POINTS + 1, 2_000, 7_000)


def python_series(samples: Sequence[SampleRecord], window: Interval) -> list[SeriesPoint]:
    """The machine page's former path: every raw sample averaged in Python (kept as the oracle)."""
    if len(samples) <= MAX_POINTS:
        return [SeriesPoint(s.ts, s.value) for s in samples]
    step = window.duration / MAX_POINTS
    buckets: dict[int, list[float]] = {}
    for s in samples:
        buckets.setdefault(int((s.ts - window.start) / step), []).append(s.value)
    return [
        SeriesPoint(window.start + step * k, sum(v) / len(v)) for k, v in sorted(buckets.items())
    ]


def case(rng: random.Random, machine: str) -> tuple[Interval, list[SampleRecord]]:
    """A window with a sub-millisecond start, samples inside and just outside, and its edges."""
    start = T0 + timedelta(minutes=rng.randrange(10_000), microseconds=rng.randrange(1_000_000))
    window = Interval(start, start + rng.choice(SPANS) + timedelta(microseconds=rng.randrange(999)))
    lo, hi = to_epoch_ms(window.start), to_epoch_ms(window.end)
    inside = rng.choice(SIZES)
    stamps = {rng.randrange(lo, hi) for _ in range(inside)}
    stamps |= {lo - 1, lo, hi - 1, hi, hi + 1} if inside else {lo - 1, hi}
    out: list[SampleRecord] = []
    for ms in sorted(stamps):
        sources = ("a", "b") if rng.random() < 0.05 else ("a",)
        for source in sources:
            quality = rng.choice((Quality.GOOD, Quality.UNCERTAIN, Quality.BAD))
            value = rng.uniform(-1_000.0, 1_000.0)
            out.append(SampleRecord(source, machine, "temp", from_epoch_ms(ms), value, quality))
    return window, out


def same(got: Sequence[SeriesPoint], want: Sequence[SeriesPoint]) -> bool:
    """Equal instants, and means equal but for the order of a floating-point sum."""
    return len(got) == len(want) and all(
        g.ts == w.ts and math.isclose(g.value, w.value, rel_tol=1e-12, abs_tol=1e-9)
        for g, w in zip(got, want, strict=True)
    )


def test_the_store_average_equals_the_python_average_of_raw_samples(store: Store) -> None:
    rng = random.Random(16)
    for n in range(30):
        machine = f"m{n}"
        window, samples = case(rng, machine)
        store.write(samples)
        raw = store.samples(machine, "temp", window.start, window.end)
        want = python_series(raw, window)
        assert same(signal_series(store, machine, "temp", window), want), (n, window, len(raw))


def test_a_bad_sample_is_averaged_like_any_other(store: Store) -> None:
    window = Interval(T0, T0 + timedelta(hours=1))
    step = window.duration / (MAX_POINTS + 1)
    bad = [
        SampleRecord("a", "m1", "temp", T0 + step * i, 10.0 if i % 2 else 20.0, Quality.BAD)
        for i in range(MAX_POINTS + 1)
    ]
    store.write(bad)
    got = signal_series(store, "m1", "temp", window)
    assert got == python_series(store.samples("m1", "temp", window.start, window.end), window)


def test_a_short_series_is_shown_as_its_raw_points(store: Store) -> None:
    window = Interval(T0, T0 + timedelta(days=1))
    store.write([SampleRecord("a", "m1", "temp", T0 + timedelta(hours=h), h * 1.5) for h in (0, 5)])
    got = signal_series(store, "m1", "temp", window)
    assert got == [SeriesPoint(T0, 0.0), SeriesPoint(T0 + timedelta(hours=5), 7.5)]


def polled(rng: random.Random, window: Interval, n: int, rows: bool) -> RecordBatch:
    """``n`` polls of signal temp (and pressure) of m1; SQLite packs them into frames."""
    lo, hi = to_epoch_ms(window.start), to_epoch_ms(window.end)
    batch = PollRows()
    for ms in sorted({rng.randrange(lo - 5, hi + 5) for _ in range(n)}):
        values = [rng.uniform(-1_000.0, 1_000.0), rng.uniform(0.0, 9.0)]
        if rows:  # a value marked on its own stays a row, beside the frames
            batch.extend([("m1", "temp", ms, "plc", values[0], "uncertain")])
        else:
            batch.add_columns(("m1", "m1"), ("temp", "pressure"), ms, "plc", values)
    return RecordBatch([], batch)


def test_a_signal_in_frames_and_rows_averages_all_its_samples(store: Store) -> None:
    rng = random.Random(25)
    window = Interval(T0 + timedelta(microseconds=417), T0 + timedelta(hours=1))
    store.write(polled(rng, window, 2_000, rows=True))
    series = []
    # Rows alone first, then frames of the same signal land: the next read must count them.
    for batch in (RecordBatch([], []), polled(rng, window, 3_000, rows=False)):
        store.write(batch)
        raw = store.samples("m1", "temp", window.start, window.end)
        series.append(signal_series(store, "m1", "temp", window))
        assert same(series[-1], python_series(raw, window)), len(raw)
    assert series[0] != series[1]
