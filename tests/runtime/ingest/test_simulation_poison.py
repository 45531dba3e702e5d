"""The simulation runner keeps a failing machine's error as a dead letter and stores the rest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pabrik.connectors.simulator.plant import Key, MachineSimulation
from pabrik.model.records import Record
from pabrik.runtime.ingest.pipeline import Ingestor
from pabrik.runtime.ingest.simulation import SimulationRunner
from pabrik.runtime.plant.siteconfig import load_site
from pabrik.storage.sqlite.store import SqliteStore
from tests.paths import DEMO

ANCHOR = datetime(2024, 6, 3, 1, 0, tzinfo=UTC)


def test_a_machine_whose_simulation_raises_is_dead_lettered_and_the_plant_is_stored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = load_site(DEMO)
    plant, config = site.plant(), site.simulator()
    assert config is not None
    broken_id = plant.machines()[0].id
    real = MachineSimulation._samples

    def broken(self: MachineSimulation, end: int) -> list[tuple[Key, Record]]:
        if self.machine_id == broken_id:
            raise ValueError("cannot simulate")
        return real(self, end)

    monkeypatch.setattr(MachineSimulation, "_samples", broken)
    store = SqliteStore(tmp_path / "p.sqlite")
    store.upgrade()
    try:
        runner = SimulationRunner(plant, config, Ingestor(store, plant, clock=lambda: ANCHOR))
        runner.start(ANCHOR - timedelta(hours=3))
        runner.backfill(ANCHOR)
        letters = store.dead_letters(10, 0)
        other = plant.machines()[1].id
        assert [d.reason_code for d in letters] == ["decode_error"]
        assert "ValueError: cannot simulate" in letters[0].detail
        assert store.counts(other, ANCHOR - timedelta(hours=3), ANCHOR)
        assert not store.counts(broken_id, ANCHOR - timedelta(hours=3), ANCHOR)
    finally:
        store.close()
