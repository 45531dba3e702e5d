"""A machine whose simulation raises stops alone: its error is a dead letter, the plant goes on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pabrik.connectors.simulator import SimulatedPlant, SimulatorConfig
from pabrik.connectors.simulator.plant import Key, MachineSimulation
from pabrik.model.records import Record
from pabrik.model.site import Plant

ANCHOR = datetime(2024, 6, 3, 1, 0, tzinfo=UTC)


def break_machine(monkeypatch: pytest.MonkeyPatch, machine_id: str) -> None:
    """Make one machine's sample generation raise, as a bug or an absurd setting would."""
    real = MachineSimulation._samples

    def broken(self: MachineSimulation, end: int) -> list[tuple[Key, Record]]:
        if self.machine_id == machine_id:
            raise OverflowError("math range error")
        return real(self, end)

    monkeypatch.setattr(MachineSimulation, "_samples", broken)


def test_a_failing_machine_is_reported_once_and_the_others_keep_producing(
    demo_plant: Plant, demo_config: SimulatorConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    machines = [m.id for m in demo_plant.machines()]
    break_machine(monkeypatch, machines[0])
    sim = SimulatedPlant(demo_plant, demo_config, ANCHOR)
    first = sim.advance_to(ANCHOR + timedelta(hours=2))
    failures = sim.take_failures()
    later = sim.advance_to(ANCHOR + timedelta(hours=4))
    assert [f.reason_code for f in failures] == ["decode_error"]
    assert "OverflowError: math range error" in failures[0].detail
    assert failures[0].payload.startswith(f"machine {machines[0]} until ")
    assert sim.take_failures() == []
    for records in (first, later):
        assert machines[0] not in {r.machine_id for r in records}
        assert {r.machine_id for r in records} == set(machines[1:])
