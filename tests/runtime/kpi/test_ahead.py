"""Rollup hours filled in the background: the first view then equals a computation from raw."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pabrik.model.records import StateRecord, to_epoch_ms
from pabrik.model.states import StateClass
from pabrik.runtime.app import Runtime, build_runtime
from pabrik.runtime.kpi.ahead import RollupsAhead
from pabrik.runtime.kpi.engine import QueryStats
from pabrik.runtime.kpi.rollups import rollup_config
from pabrik.runtime.settings import Settings
from pabrik.storage.sqlite.store import SqliteStore
from tests.paths import DEMO
from tests.runtime.kpi.writing_engine import WritingEngine
from tests.storage.rollup_plant import NOW, T0, at, rollup_plant

DEMO_NOW = datetime(2025, 3, 12, 1, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    # No reuse of measurements: two views at one instant must both be computed.
    settings = Settings(config=DEMO, data_dir=tmp_path_factory.mktemp("ahead"), view_cache_s=0)
    rt = build_runtime(settings, clock=lambda: DEMO_NOW)
    rt.backfill(days=1)
    yield rt
    rt.close()


def test_a_machine_view_after_the_pass_needs_no_raw_hour_and_equals_one_filled_in_it(
    runtime: Runtime,
) -> None:
    engine = runtime.engine
    ahead = RollupsAhead(lambda: runtime.engine, days=8)
    filled = ahead.fill_once()
    # Every machine's whole hours in 8 days before 01:30, none of them there before (no view yet).
    assert filled == len(runtime.plant.machines()) * (8 * 24 - 1)
    assert ahead.fill_once() == 0
    engine.stats = QueryStats()
    warmed = runtime.machine_detail("imm-01", "shift")
    assert engine.stats.raw_hours == 0
    assert engine.stats.rollup_hours > 7 * 24 - 24
    # The same view with the machine's rollups dropped: its hours come from raw, as before.
    config = rollup_config(runtime.plant, "imm-01", engine.rules, engine.holidays)
    assert engine.rollups is not None
    engine.rollups.reset_rollups("imm-01", config)
    engine.stats = QueryStats()
    assert runtime.machine_detail("imm-01", "shift") == warmed
    assert engine.stats.raw_hours > 7 * 24 - 24


def test_an_hour_written_to_during_the_pass_is_not_saved(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "r.sqlite")
    store.upgrade()
    store.write([StateRecord("t", "m1", at(0), StateClass.RUNNING)])
    # Written after the pass claimed its hours and before it reads them from raw.
    late = StateRecord("t", "m1", NOW - timedelta(hours=5, minutes=30), StateClass.IDLE)
    engine = WritingEngine(rollup_plant(), store, lambda: NOW, [late])
    assert RollupsAhead(lambda: engine, days=1).fill_once() == 24
    hour = to_epoch_ms(NOW - timedelta(hours=6))
    assert ("m1", hour) in store.dirty_hours(["m1"], 0, 1 << 62)
    assert hour not in store.rollup_starts("m1", 0, 1 << 62, "hour")
    assert engine.stats.unsaved_fills == 1
    m = engine.plant.machines()[0]
    assert engine.account(m, T0, NOW) == engine.raw_account(m, T0, NOW)


@pytest.mark.anyio
async def test_the_task_makes_a_pass_at_start_and_stops_while_waiting(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "r.sqlite")
    store.upgrade()
    engine = WritingEngine(rollup_plant(), store, lambda: NOW, [])
    off = RollupsAhead(lambda: engine)
    off.start()
    await off.stop()
    assert off.passes == 0
    ahead = RollupsAhead(lambda: engine, days=1)
    ahead.start()
    async with asyncio.timeout(30):
        while ahead.passes == 0:  # noqa: ASYNC110 - a counter the task's thread bumps
            await asyncio.sleep(0.01)
        await ahead.stop()
    assert ahead.filled == 24
    assert len(store.rollup_starts("m1", 0, 1 << 62, "hour")) == 24
