"""Settings and instants the simulator fuzz found: refused clearly, and no machine stops."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from pabrik.connectors.simulator import SimulatedPlant, SimulatorConfig
from pabrik.model.errors import InvalidRequestError
from pabrik.model.site import Plant
from pabrik.runtime.ingest.pipeline import Ingestor
from pabrik.runtime.ingest.simulation import SimulationRunner
from pabrik.runtime.settings import Settings
from pabrik.storage.sqlite.store import SqliteStore

ANCHOR = datetime(2025, 3, 10, 1, 0, tzinfo=UTC)


@pytest.mark.parametrize("seed", [10**5000, 2**63, -(2**63) - 1], ids=["huge", "2^63", "-2^63-1"])
def test_a_seed_beyond_64_bits_is_refused(seed: int) -> None:
    # Before: 10**5000 was accepted, then str(seed) raised ValueError in every machine.
    with pytest.raises(ValidationError, match="seed"):
        SimulatorConfig(seed=seed)


@pytest.mark.parametrize("seed", [10**40, 2**63], ids=["10^40", "2^63"])
def test_a_seed_setting_beyond_64_bits_is_refused_before_it_reaches_the_simulator(
    seed: int,
) -> None:
    # Before: PABRIK_SEED went into the simulator through model_copy, which skips validation.
    with pytest.raises(ValidationError, match="seed"):
        Settings(seed=seed)


@pytest.mark.parametrize(
    "until", [datetime(9999, 12, 31, tzinfo=UTC), datetime(2200, 1, 1, tzinfo=UTC)]
)
def test_an_instant_past_the_covered_years_is_refused_and_every_machine_goes_on(
    test_plant: Plant, until: datetime
) -> None:
    # Before: each machine raised OverflowError, was dead-lettered and stopped for good.
    sim = SimulatedPlant(test_plant, SimulatorConfig(seed=1), ANCHOR)
    with pytest.raises(InvalidRequestError, match="outside the years 1970 to 2199"):
        sim.advance_to(until)
    records = sim.advance_to(ANCHOR + timedelta(hours=2))
    assert sim.take_failures() == []
    assert {r.machine_id for r in records} == {m.id for m in test_plant.machines()}


def test_an_anchor_before_1970_is_refused(test_plant: Plant) -> None:
    with pytest.raises(InvalidRequestError, match="outside the years"):
        SimulatedPlant(test_plant, SimulatorConfig(seed=1), datetime(1, 1, 1, tzinfo=UTC))


def test_a_runner_refuses_a_time_without_offset_and_goes_on(
    test_plant: Plant, store: SqliteStore
) -> None:
    # Before: TypeError "can't compare offset-naive and offset-aware datetimes".
    runner = SimulationRunner(test_plant, SimulatorConfig(seed=1), Ingestor(store, test_plant))
    runner.start(ANCHOR)
    with pytest.raises(InvalidRequestError, match="no UTC offset"):
        runner.advance_to(ANCHOR.replace(tzinfo=None) + timedelta(hours=1))
    assert runner.advance_to(ANCHOR + timedelta(hours=1)) > 0
