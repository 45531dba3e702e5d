"""Filling rollups from raw while writes keep coming in."""

from __future__ import annotations

from pathlib import Path

from pabrik.model.records import StateRecord, to_epoch_ms
from pabrik.model.states import StateClass
from pabrik.runtime.kpi.engine import KpiEngine
from pabrik.storage.sqlite.store import SqliteStore
from tests.runtime.kpi.writing_engine import WritingEngine
from tests.storage.rollup_plant import NOW, T0, at, rollup_plant


def test_a_fill_overtaken_by_a_write_to_its_hour_saves_neither_it_nor_its_minutes(
    tmp_path: Path,
) -> None:
    store = SqliteStore(tmp_path / "r.sqlite")
    store.upgrade()
    late = StateRecord("t", "m1", at(30), StateClass.IDLE)
    engine = WritingEngine(rollup_plant(), store, lambda: NOW, [late])
    store.write([StateRecord("t", "m1", at(0), StateClass.RUNNING)])
    m = engine.plant.machines()[0]
    engine.ensure_rollup_config()
    accounts, _ = engine._fill(m, [to_epoch_ms(T0)])
    assert engine.stats.unsaved_fills == 1
    assert store.rollup_sums(["m1"], 0, 1 << 62, "minute") == {}
    assert store.dirty_hours(["m1"], 0, 1 << 62) == [("m1", to_epoch_ms(T0))]
    assert accounts[to_epoch_ms(T0)] == engine.raw_account(m, T0, at(60))


def test_a_fill_with_no_write_meanwhile_saves_hours_and_minutes(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "r.sqlite")
    store.upgrade()
    engine = KpiEngine(rollup_plant(), store, lambda: at(24 * 60))
    store.write([StateRecord("t", "m1", at(0), StateClass.RUNNING)])
    engine.ensure_rollup_config()
    engine._fill(engine.plant.machines()[0], [to_epoch_ms(T0)])
    assert engine.stats.unsaved_fills == 0
    assert store.rollup_sums(["m1"], 0, 1 << 62, "minute")["m1"].buckets == 60
