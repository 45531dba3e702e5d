"""Filling rollups from raw while writes keep coming in."""

from __future__ import annotations

from pathlib import Path

from pabrik.model.records import StateRecord, to_epoch_ms
from pabrik.model.states import StateClass
from pabrik.runtime.kpi.engine import KpiEngine
from pabrik.storage.sqlite.store import SqliteStore
from tests.storage.rollup_plant import NOW, T0, at, rollup_plant


def test_a_fill_overtaken_by_a_write_skips_its_minute_buckets_and_its_save(
    tmp_path: Path,
) -> None:
    store = SqliteStore(tmp_path / "r.sqlite")
    store.upgrade()
    engine = KpiEngine(rollup_plant(), store, lambda: NOW)
    store.write([StateRecord("t", "m1", at(0), StateClass.RUNNING)])
    seq = store.rollup_seq(["m1"])["m1"]
    store.write([StateRecord("t", "m1", at(30), StateClass.IDLE)])
    m = engine.plant.machines()[0]
    accounts, _ = engine._fill(m, [to_epoch_ms(T0)], seq)
    assert accounts[to_epoch_ms(T0)] == engine.raw_account(m, T0, at(60))
    assert engine.stats.unsaved_fills == 1
    assert store.rollup_sums(["m1"], 0, 1 << 62, "minute") == {}


def test_a_fill_with_no_write_meanwhile_saves_hours_and_minutes(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "r.sqlite")
    store.upgrade()
    engine = KpiEngine(rollup_plant(), store, lambda: at(24 * 60))
    store.write([StateRecord("t", "m1", at(0), StateClass.RUNNING)])
    seq = store.rollup_seq(["m1"])["m1"]
    engine._fill(engine.plant.machines()[0], [to_epoch_ms(T0)], seq)
    assert engine.stats.unsaved_fills == 0
    assert store.rollup_sums(["m1"], 0, 1 << 62, "minute")["m1"].buckets == 60
