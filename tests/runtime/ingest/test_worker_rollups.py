"""KPI rollups stay equal to a raw recomputation when two workers write one machine's data
out of order on PostgreSQL while the KPIs are being read (and rolled up) at the same time.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from pabrik.model.records import CountRecord, Record, SampleRecord, StateRecord
from pabrik.model.site import Plant
from pabrik.model.states import StateClass
from pabrik.runtime.kpi.engine import KpiEngine
from pabrik.runtime.plant.siteconfig import load_site
from pabrik.storage.postgres.store import PostgresStore
from tests.paths import DEMO

T0 = datetime(2025, 3, 10, 0, 0, tzinfo=UTC)
HOURS = 12
NOW = T0 + timedelta(hours=HOURS + 2)
MACHINE = "imm-01"
_STATES = (
    (StateClass.RUNNING, None),
    (StateClass.UNPLANNED_STOP, "jam"),
    (StateClass.IDLE, "no_order"),
    (StateClass.PLANNED_STOP, "break"),
)


def _history(rng: random.Random) -> list[Record]:
    """Twelve hours of one machine: states at random minutes, counts and energy each minute."""
    out: list[Record] = []
    minute = 0
    while minute < HOURS * 60:
        state, reason = _STATES[0] if rng.random() < 0.6 else rng.choice(_STATES[1:])
        ts = T0 + timedelta(minutes=minute, seconds=rng.randint(0, 59))
        out.append(StateRecord("w", MACHINE, ts, state, reason))
        minute += rng.randint(3, 40)
    energy = 0.0
    for m in range(HOURS * 60):
        ts = T0 + timedelta(minutes=m, seconds=30)
        out.append(CountRecord("w", MACHINE, ts, rng.randint(0, 300), rng.randint(0, 5), 0))
        energy += rng.uniform(0.5, 3.0)
        out.append(SampleRecord("w", MACHINE, "energy_kwh", ts, round(energy, 3)))
    return out


def _write_batches(url: str, batches: list[list[Record]], errors: list[BaseException]) -> None:
    store = PostgresStore(url, pool_size=1)
    try:
        for batch in batches:
            store.write(batch)
    except BaseException as err:  # noqa: BLE001 - reported by the test thread
        errors.append(err)
    finally:
        store.close()


def _read_while_writing(engine: KpiEngine, stop: threading.Event, rng: random.Random) -> None:
    machine = engine.plant.machine(MACHINE)
    assert machine is not None
    while not stop.is_set():
        start = T0 + timedelta(minutes=rng.randint(0, 120))
        engine.account(machine, start, start + timedelta(hours=rng.randint(1, HOURS)))


@pytest.fixture
def plant() -> Plant:
    return load_site(DEMO).plant()


@pytest.fixture
def store(pg_url: str) -> Iterator[PostgresStore]:
    s = PostgresStore(pg_url, pool_size=2)
    s.upgrade()
    yield s
    s.close()


@pytest.mark.slow
def test_two_workers_writing_one_machine_out_of_order_leave_rollups_equal_to_raw(
    plant: Plant, store: PostgresStore, pg_url: str
) -> None:
    rng = random.Random(11)
    records = _history(rng)
    rng.shuffle(records)
    batches = [records[i : i + 40] for i in range(0, len(records), 40)]
    # The first part lands before any rollup exists; the rest arrives late, out of order,
    # from two writers at once, while KPIs are read and hours rolled up.
    early, late = batches[: len(batches) // 3], batches[len(batches) // 3 :]
    for batch in early:
        store.write(batch)
    engine = KpiEngine(plant, store, lambda: NOW)
    machine = plant.machine(MACHINE)
    assert machine is not None
    engine.build(T0, T0 + timedelta(hours=HOURS + 1))
    errors: list[BaseException] = []
    writers = [
        threading.Thread(target=_write_batches, args=(pg_url, late[i::2], errors)) for i in (0, 1)
    ]
    stop = threading.Event()
    reader = threading.Thread(target=_read_while_writing, args=(engine, stop, random.Random(5)))
    reader.start()
    for w in writers:
        w.start()
    for w in writers:
        w.join(120)
    stop.set()
    reader.join(120)
    assert errors == []
    assert engine.stats.saved_hours > 0
    windows = [
        (T0, T0 + timedelta(hours=HOURS + 1)),
        (T0 + timedelta(minutes=7), T0 + timedelta(hours=HOURS, minutes=-11)),
        (T0 + timedelta(hours=3), T0 + timedelta(hours=5)),
    ]
    for rounds in ("before refresh", "after refresh"):
        for start, end in windows:
            rolled, raw = (
                engine.account(machine, start, end),
                engine.raw_account(machine, start, end),
            )
            assert (rounds, rolled.elements) == (rounds, raw.elements)
            assert rolled.extras == raw.extras
            assert rolled.micro_stop_time_ms == raw.micro_stop_time_ms
        engine.refresh()
    assert store.dirty_hours(None, 0, 1 << 62) == []
