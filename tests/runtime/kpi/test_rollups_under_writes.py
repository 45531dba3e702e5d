"""Rollups stay valid and get saved while a steady stream of records keeps coming in."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from pabrik.kpi.account import TimeAccount
from pabrik.model.records import CountRecord, Record, SampleRecord, StateRecord, to_epoch_ms
from pabrik.model.states import StateClass
from pabrik.runtime.kpi.engine import KpiEngine
from pabrik.storage.postgres.store import PostgresStore
from pabrik.storage.sqlite.store import SqliteStore
from tests.runtime.kpi.writing_engine import WritingEngine
from tests.storage.rollup_plant import NOW, T0, at, rollup_plant

Store = SqliteStore | PostgresStore
# The clock stands 45 minutes into an hour, so the stream's records lie in the current hour.
CLOCK = NOW + timedelta(minutes=45)


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    s: Store
    if request.param == "sqlite":
        s = SqliteStore(tmp_path / "r.sqlite", synchronous="NORMAL")
    else:
        s = PostgresStore(request.getfixturevalue("pg_url"), pool_size=2)
    s.upgrade()
    yield s
    s.close()


def _history(until: datetime) -> list[Record]:
    """Running since T0, a count each 5 minutes and an energy reading each 10 minutes."""
    out: list[Record] = [StateRecord("t", "m1", T0, StateClass.RUNNING)]
    minutes = int((until - T0).total_seconds() // 60)
    for m in range(0, minutes, 5):
        out.append(CountRecord("t", "m1", at(m), 20, 1, 0, "a"))
        if m % 10 == 0:
            out.append(SampleRecord("t", "m1", "kwh", at(m), m / 10))
    return out


def _stream(i: int) -> list[Record]:
    """What a live machine sends each second: a temperature, its meter and a count."""
    ts = CLOCK - timedelta(seconds=60 - i)
    kwh = (CLOCK - T0).total_seconds() / 600
    return [
        SampleRecord("t", "m1", "temp", ts, 40.0 + i),
        SampleRecord("t", "m1", "kwh", ts, kwh + i / 100),
        CountRecord("t", "m1", ts, 1, 0, 0, "a"),
    ]


def _same(a: TimeAccount, b: TimeAccount) -> None:
    assert a.elements == b.elements
    assert a.extras == b.extras
    assert {k: v for k, v in a.downtime_ms.items() if v} == {
        k: v for k, v in b.downtime_ms.items() if v
    }


def test_a_sample_no_kpi_reads_leaves_the_rolled_up_hours_clean(store: Store) -> None:
    engine = KpiEngine(rollup_plant(), store, lambda: CLOCK)
    store.write(_history(CLOCK))
    engine.build(T0, CLOCK)
    assert store.dirty_hours(None, 0, 1 << 62) == []
    store.write([SampleRecord("t", "m1", "temp", at(600), 41.0)])
    assert store.dirty_hours(None, 0, 1 << 62) == []
    store.write([SampleRecord("t", "m1", "kwh", at(605), 60.2)])
    assert store.dirty_hours(None, 0, 1 << 62) != []


def test_reads_under_a_steady_stream_recompute_no_rolled_up_hour(store: Store) -> None:
    engine = KpiEngine(rollup_plant(), store, lambda: CLOCK)
    store.write(_history(CLOCK - timedelta(minutes=1)))
    m = engine.plant.machines()[0]
    day = (CLOCK - timedelta(hours=24), CLOCK)
    engine.account(m, *day)
    built = engine.stats.raw_hours
    for i in range(5):
        store.write(_stream(i))
        _same(engine.account(m, *day), engine.raw_account(m, *day))
    assert engine.stats.raw_hours == built


def test_a_fill_is_saved_while_writes_land_in_other_hours(store: Store) -> None:
    store.write(_history(CLOCK - timedelta(minutes=1)))
    landing = [r for i in range(40) for r in _stream(i)]
    engine = WritingEngine(rollup_plant(), store, lambda: CLOCK, landing)
    engine.build(T0, CLOCK)
    assert engine.stats.unsaved_fills == 0
    assert store.dirty_hours(None, 0, 1 << 62) == []
    hours = to_epoch_ms(CLOCK) // 3_600_000 - to_epoch_ms(T0) // 3_600_000
    assert store.rollup_sums(["m1"], 0, 1 << 62, "hour")["m1"].buckets == hours
    engine.landing.clear()
    m = engine.plant.machines()[0]
    _same(engine.account(m, T0, CLOCK), engine.raw_account(m, T0, CLOCK))


def test_a_write_landing_in_the_hour_being_filled_leaves_it_dirty(store: Store) -> None:
    store.write(_history(CLOCK - timedelta(minutes=1)))
    late = CountRecord("t", "m1", at(24 * 60 + 7), 500, 9, 0, "b")
    engine = WritingEngine(rollup_plant(), store, lambda: CLOCK, [late])
    m = engine.plant.machines()[0]
    engine.account(m, at(24 * 60), at(25 * 60))
    # The hour's rollup was computed before the late count landed: it must not count as valid.
    assert to_epoch_ms(at(24 * 60)) not in store.rollup_starts("m1", 0, 1 << 62, "hour")
    _same(
        engine.account(m, at(24 * 60), at(25 * 60)), engine.raw_account(m, at(24 * 60), at(25 * 60))
    )
