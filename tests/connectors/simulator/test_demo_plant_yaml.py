"""The demo site file is a valid, plausible plant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pabrik.connectors.simulator import SimulatorConfig
from pabrik.model.calendar import shift_instances
from pabrik.model.equipment import SignalKind
from pabrik.model.site import Plant
from pabrik.model.states import StateClass


def test_demo_yaml_validates_with_at_least_two_lines_and_six_machines(demo_plant: Plant) -> None:
    assert len(demo_plant.lines()) >= 2
    assert len(demo_plant.machines()) >= 6


def test_demo_yaml_top_level_keys_are_plant_fields_plus_connectors(
    demo_data: dict[str, Any],
) -> None:
    required = {name for name, field in Plant.model_fields.items() if field.is_required()}
    assert required <= set(demo_data) <= set(Plant.model_fields) | {"connectors", "alarms"}
    assert all("kind" in c for c in demo_data["connectors"])


def test_demo_yaml_declares_the_simulator_connector_sim_with_seed_42(
    demo_config: SimulatorConfig,
) -> None:
    assert (demo_config.kind, demo_config.id, demo_config.seed) == ("simulator", "sim", 42)


def test_every_demo_machine_has_three_limited_sensors_and_an_energy_counter(
    demo_plant: Plant,
) -> None:
    for machine in demo_plant.machines():
        gauges = {s.id: s for s in machine.signals if s.kind is SignalKind.GAUGE}
        assert set(gauges) == {"temperature", "vibration", "pressure"}
        assert all(s.low is not None and s.high is not None for s in gauges.values())
        energy = next(s for s in machine.signals if s.id == machine.energy_signal)
        assert (energy.kind, energy.unit) == (SignalKind.COUNTER, "kWh")
        assert machine.reasons
        assert machine.name.en


def test_demo_reasons_cover_the_usual_codes_with_their_state_classes(demo_plant: Plant) -> None:
    states = {r.id: r.state for r in demo_plant.downtime_reasons}
    unplanned = ["jam", "material_shortage", "breakdown", "waiting_operator", "quality_check"]
    assert all(states[r] is StateClass.UNPLANNED_STOP for r in unplanned)
    assert states["changeover"] is StateClass.CHANGEOVER
    assert states["break"] is StateClass.PLANNED_STOP
    assert states["planned_maintenance"] is StateClass.PLANNED_STOP
    assert states["no_shift"] is StateClass.PLANNED_STOP
    assert states["no_order"] is StateClass.IDLE


def test_demo_calendar_runs_three_jakarta_shifts_a_day_with_breaks(demo_plant: Plant) -> None:
    day = datetime(2024, 6, 3, tzinfo=UTC)
    found = list(shift_instances(demo_plant.calendar, day, day + timedelta(days=1)))
    assert demo_plant.calendar.timezone == "Asia/Jakarta"
    assert {i.shift_id for i in found} == {"pagi", "siang", "malam"}
    assert all(i.breaks for i in found)
    assert 1000 <= demo_plant.costs.energy_per_kwh_idr <= 1600
