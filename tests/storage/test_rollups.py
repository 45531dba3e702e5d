"""Rollups hold elements per hour, are marked dirty by writes, and always equal raw results."""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from pabrik.model.records import CountRecord, Record, SampleRecord, StateRecord, to_epoch_ms
from pabrik.model.states import StateClass
from pabrik.runtime.kpi.engine import KpiEngine
from pabrik.storage.rollups import HOUR_MS
from pabrik.storage.sqlite.store import SqliteStore
from tests.storage.rollup_plant import NOW, at, rollup_plant

SPAN_MIN = 2 * 24 * 60


_state = st.builds(
    lambda m, cls, reason: StateRecord("t", "m1", at(m), cls, reason),
    st.floats(0, SPAN_MIN, allow_nan=False).map(lambda x: round(x, 2)),
    st.sampled_from(list(StateClass)),
    st.sampled_from([None, "jam", "breakdown"]),
)
_count = st.builds(
    lambda m, g, s, p: CountRecord("t", "m1", at(m), g, s, 0, p),
    st.integers(0, SPAN_MIN),
    st.integers(0, 500),
    st.integers(0, 9),
    st.sampled_from([None, "a", "b"]),
)
_sample = st.builds(
    lambda m, v: SampleRecord("t", "m1", "kwh", at(m), v),
    st.integers(0, SPAN_MIN),
    st.floats(0, 1000, allow_nan=False).map(lambda v: round(v, 3)),
)
# Changeover and planned stop followed by running: the start-up windows reach over hours.
_startup = st.builds(
    lambda m, before: [
        StateRecord("t", "m1", at(m), before, None),
        StateRecord("t", "m1", at(m + 20), StateClass.RUNNING, None),
    ],
    st.integers(0, SPAN_MIN - 20),
    st.sampled_from([StateClass.CHANGEOVER, StateClass.PLANNED_STOP]),
)
_records = st.tuples(
    st.lists(st.one_of(_state, _state, _count, _count, _sample), max_size=60),
    st.lists(_startup, max_size=3),
).map(lambda t: t[0] + [r for pair in t[1] for r in pair])


def _check(engine: KpiEngine, start: datetime, end: datetime) -> None:
    m = engine.plant.machines()[0]
    rolled = engine.account(m, start, end)
    raw = engine.raw_account(m, start, end)
    assert rolled.elements == raw.elements
    assert rolled.extras == raw.extras
    assert rolled.micro_stop_time_ms == raw.micro_stop_time_ms
    assert {k: v for k, v in rolled.downtime_ms.items() if v} == {
        k: v for k, v in raw.downtime_ms.items() if v
    }


@settings(max_examples=20, deadline=None)
@given(
    first=_records,
    late=_records,
    windows=st.lists(
        st.tuples(st.integers(0, SPAN_MIN), st.integers(1, SPAN_MIN)), min_size=1, max_size=3
    ),
)
def test_rollups_equal_raw_recomputation_also_after_late_out_of_order_data(
    first: list[Record], late: list[Record], windows: list[tuple[int, int]]
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        store = SqliteStore(Path(folder) / "r.sqlite", synchronous="NORMAL")
        store.upgrade()
        engine = KpiEngine(rollup_plant(), store, lambda: NOW)
        store.write(first)
        wins = [(at(a), at(min(a + d, SPAN_MIN + 60))) for a, d in windows]
        for s, e in wins:
            _check(engine, s, e)
        _check(engine, at(0), at(SPAN_MIN))  # builds every hour
        store.write(late)
        for s, e in wins:
            _check(engine, s, e)
        engine.refresh()
        _check(engine, at(-30), at(SPAN_MIN + 90))
        store.close()


def test_startup_scrap_across_an_hour_border_is_rolled_up_like_raw(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "r.sqlite")
    store.upgrade()
    engine = KpiEngine(rollup_plant(), store, lambda: NOW)
    store.write(
        [
            StateRecord("t", "m1", at(30), StateClass.CHANGEOVER, "die"),
            StateRecord("t", "m1", at(55), StateClass.RUNNING),
            StateRecord("t", "m1", at(62), StateClass.RUNNING, "speed"),
            *(CountRecord("t", "m1", at(m), 10, 2, 0, "a") for m in range(60, 180, 5)),
        ]
    )
    m = engine.plant.machines()[0]
    raw = engine.raw_account(m, at(0), at(180))
    # Start-up window (0:55, 1:25] holds the 5-min periods of the counts 1:00 to 1:25.
    assert (raw.elements.sq, raw.elements.sq_startup) == (48, 12)
    assert raw.elements.ideal_startup_ms == 12 * 1500
    engine.build(at(0), at(180))
    assert engine.stats.saved_hours >= 3
    _check(engine, at(0), at(180))
    _check(engine, at(50), at(150))
    # A window starting inside the start-up window still sees the changeover before it.
    assert engine.account(m, at(70), at(180)).elements.sq_startup == 6


def test_a_write_marks_the_rolled_up_hours_it_reaches_dirty(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "r.sqlite")
    store.upgrade()
    engine = KpiEngine(rollup_plant(), store, lambda: NOW)
    store.write([StateRecord("t", "m1", at(0), StateClass.RUNNING)])
    engine.build(at(0), at(24 * 60))
    assert store.dirty_hours(None, 0, 1 << 62) == []
    store.write([StateRecord("t", "m1", at(600), StateClass.IDLE)])
    dirty = store.dirty_hours(["m1"], 0, 1 << 62)
    # The last state runs on, so every rolled-up hour from the new record onwards is dirty.
    assert dirty[0] == ("m1", to_epoch_ms(at(600)) - to_epoch_ms(at(600)) % HOUR_MS - HOUR_MS)
    assert len(dirty) == 24 - 9
    assert engine.refresh() == len(dirty)
    assert store.dirty_hours(None, 0, 1 << 62) == []


def test_a_configuration_change_drops_the_rollups(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "r.sqlite")
    store.upgrade()
    first = KpiEngine(rollup_plant(), store, lambda: NOW)
    store.write([StateRecord("t", "m1", at(0), StateClass.RUNNING)])
    first.build(at(0), at(600))
    assert store.rollup_sums(["m1"], 0, 1 << 62, "hour")["m1"].buckets == 10
    assert KpiEngine(rollup_plant(), store, lambda: NOW).ensure_rollup_config() == []
    changed = KpiEngine(rollup_plant(micro_s=300), store, lambda: NOW)
    assert changed.ensure_rollup_config() == ["m1"]
    assert store.rollup_sums(["m1"], 0, 1 << 62, "hour") == {}


def test_recent_hours_keep_minute_rollups_that_sum_to_the_hour(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "r.sqlite")
    store.upgrade()
    engine = KpiEngine(rollup_plant(), store, lambda: at(24 * 60))
    store.write(
        [
            StateRecord("t", "m1", at(0), StateClass.RUNNING),
            StateRecord("t", "m1", at(90.5), StateClass.IDLE),
        ]
    )
    engine.build(at(0), at(180))
    hours = store.rollup_sums(["m1"], 0, 1 << 62, "hour")["m1"]
    minutes = store.rollup_sums(["m1"], 0, 1 << 62, "minute")["m1"]
    assert minutes.buckets == 180
    assert minutes.values == hours.values
