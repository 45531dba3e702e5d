"""Fuzz the simulator's settings and times: refused with a clear error, never a dead plant.

10,000 hostile configurations are validated (and, now and then, simulated); each case also
hands a running simulation a hostile instant, then checks its next good minute is stored.
"""

from __future__ import annotations

import contextlib
import itertools
import math
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from pabrik.connectors.simulator import SimulatedPlant, SimulatorConfig
from pabrik.model.errors import ConfigError, InvalidRequestError
from pabrik.model.site import Plant
from pabrik.runtime.ingest.pipeline import Ingestor
from pabrik.runtime.ingest.simulation import SimulationRunner
from pabrik.storage.sqlite.store import SqliteStore
from tests.connectors.hostile import Choices, Ledger, deep_list

ANCHOR = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(days=9)
FIELDS = [
    "kind",
    "id",
    "seed",
    "count_period_s",
    "sample_period_s",
    "stop_rate_scale",
    "mtbf_hours",
    "fault_lead_hours",
    "changeover_every_hours",
    "slow_share",
    "scrap_rate",
    "planned_maintenance_chance",
    "power_kw",
    "rosters",
    "manual_lines",
    "ghost",
]


SCALARS: list[Any] = [
    None,
    True,
    False,
    0,
    -1,
    1,
    0.5,
    1e-300,
    5e-324,
    -0.0,
    math.nan,
    math.inf,
    -math.inf,
    1e308,
    2**63,
    -(2**63) - 1,
    2**63 - 1,
    10**5000,
    "1",
    "",
    "abc",
    "x" * 100_000,
    "\ud800",
    [],
    {},
    [1, 2],
    {"a": 1},
    deep_list(1001),
    3600,
    3601,
    10,
    10.0001,
    0.9,
    0.91,
    10_000,
    100_001,
    "simulator",
    "sim-2",
]
KEYS: list[Any] = ["press-1", "press-9", "line-1", "ghost", "", "x" * 100, "\ud800", 1]
SHIFTS: list[Any] = [["pagi"], ["ghost"], [], None, "pagi", [1], ["pagi", "pagi"]]
DAYS: list[Any] = [["mon"], ["funday"], [], None, [7], ["MON"], ["sun", "sat"]]
LINES: list[Any] = [["line-1"], ["ghost"], [], "line-1", [None], ["line-1", "line-1"]]


class _Settings(Choices):
    """Hostile simulator settings read from Hypothesis bytes."""

    def value(self, name: str) -> Any:
        if self.byte() % 4:  # mostly a hostile scalar; else a shape of the field's own kind
            return self.pick(SCALARS)
        if name == "power_kw":
            return {self.pick(KEYS): self.pick(SCALARS)}
        if name == "rosters":
            return {self.pick(KEYS): {"shifts": self.pick(SHIFTS), "days": self.pick(DAYS)}}
        if name == "manual_lines":
            return self.pick(LINES)
        return self.pick(SCALARS)


def hostile_config(data: bytes) -> tuple[dict[str, Any], bool]:
    """A config with one to four hostile settings, and whether to simulate it if valid."""
    source = _Settings(data)
    config: dict[str, Any] = {"seed": 7}
    for _ in range(1 + source.byte() % 4):
        name = source.pick(FIELDS)
        if source.byte() % 8 == 0:
            config.pop(name, None)
        else:
            config[name] = source.value(name)
    return config, source.byte() % 64 == 63  # zeros, once the bytes run out, say no


# Instants handed to a running simulation: naive, out of range, or not after its position.
def hostile_instants(position: datetime) -> list[Any]:
    return [
        position.replace(tzinfo=None),
        datetime.min.replace(tzinfo=UTC),
        datetime.max.replace(tzinfo=UTC),
        datetime(2200, 1, 1, tzinfo=UTC),
        datetime(1969, 12, 31, tzinfo=UTC),
        position - timedelta(hours=1),
        position,
    ]


@pytest.fixture
def world(tmp_path: Path, test_plant: Plant) -> Iterator[tuple[SimulationRunner, Ledger]]:
    store = SqliteStore(tmp_path / "f.sqlite", synchronous="NORMAL")
    store.upgrade()
    ingestor = Ingestor(store, test_plant)
    runner = SimulationRunner(test_plant, SimulatorConfig(seed=1), ingestor)
    runner.start(ANCHOR)
    yield runner, Ledger(store, ingestor)
    store.close()


_minutes = itertools.count(1)


@pytest.mark.slow
def test_hostile_settings_are_refused_clearly_and_the_simulation_goes_on(
    world: tuple[SimulationRunner, Ledger], test_plant: Plant
) -> None:
    runner, ledger = world
    outcomes = {"refused": 0, "valid": 0, "simulated": 0}

    @settings(
        max_examples=10_000,
        deadline=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=st.binary(min_size=4, max_size=24).map(hostile_config), which=st.integers(0, 6))
    def one(case: tuple[dict[str, Any], bool], which: int) -> None:
        data, simulate = case
        try:
            config = SimulatorConfig.model_validate(data)
            sim = SimulatedPlant(test_plant, config, ANCHOR)
        except (ValidationError, ConfigError):
            outcomes["refused"] += 1
        else:
            outcomes["valid"] += 1
            if simulate:
                sim.advance_to(ANCHOR + timedelta(minutes=1))
                assert sim.take_failures() == []
                outcomes["simulated"] += 1
        # A hostile instant is refused (or is no step at all), and no machine stops for it.
        assert runner.position is not None
        with contextlib.suppress(InvalidRequestError, ValueError):
            assert runner.advance_to(hostile_instants(runner.position)[which]) == 0
        ledger.mark()
        step = ANCHOR + timedelta(minutes=next(_minutes))
        runner.advance_to(step)
        assert ledger.letters() == []
        assert ledger.store.checkpoint("simulator:sim:position") == step.isoformat()

    one()
    assert outcomes["refused"] > 1000
    assert outcomes["valid"] > 1000
    assert outcomes["simulated"] > 10
    # Every machine still produced records in the last simulated hour.
    last_hour = (runner.position - timedelta(hours=1), runner.position)  # type: ignore[operator]
    for machine in test_plant.machines():
        assert ledger.store.states(machine.id, *last_hour) or ledger.store.counts(
            machine.id, *last_hour
        )
