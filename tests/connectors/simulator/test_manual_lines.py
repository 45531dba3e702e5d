"""A line declared manual is left out of the simulation; the others are simulated as before."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pabrik.connectors.simulator import SimulatorConfig
from pabrik.connectors.simulator.plant import SimulatedPlant
from pabrik.model.errors import ConfigError
from pabrik.model.site import Plant

ANCHOR = datetime(2025, 3, 10, 0, 0, tzinfo=UTC)


def test_a_manual_line_gets_no_simulated_records(
    demo_plant: Plant, demo_config: SimulatorConfig
) -> None:
    manual = demo_config.model_copy(update={"manual_lines": ["cetak-preform-krat"]})
    both = SimulatedPlant(demo_plant, demo_config, ANCHOR).advance_to(ANCHOR + timedelta(hours=2))
    some = SimulatedPlant(demo_plant, manual, ANCHOR).advance_to(ANCHOR + timedelta(hours=2))
    assert {r.machine_id for r in some} == {r.machine_id for r in both} - {"imm-03", "imm-04"}
    assert [r for r in both if r.machine_id == "imm-01"] == [
        r for r in some if r.machine_id == "imm-01"
    ]


def test_without_manual_lines_the_config_dumps_as_before(demo_config: SimulatorConfig) -> None:
    assert "manual_lines" not in demo_config.model_dump(mode="json")


def test_an_unknown_manual_line_is_named(demo_plant: Plant, demo_config: SimulatorConfig) -> None:
    wrong = demo_config.model_copy(update={"manual_lines": ["nowhere"]})
    with pytest.raises(ConfigError, match="manual_lines"):
        SimulatedPlant(demo_plant, wrong, ANCHOR)
