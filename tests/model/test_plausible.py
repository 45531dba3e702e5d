"""Plausible ranges: values a signal cannot take are dead-lettered as out_of_range."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from pabrik.model.equipment import DEFAULT_PLAUSIBLE_ABS, Signal
from pabrik.model.records import SampleRecord
from pabrik.model.site import Plant
from pabrik.model.validation import check_record

NOW = datetime(2025, 1, 6, 3, 0, tzinfo=UTC)


def plant_with(*signals: dict[str, Any]) -> Plant:
    product = {"id": "p", "name": {"id": "P"}, "ideal_cycle_time_s": 2}
    machine = {
        "id": "m1",
        "name": {"id": "Mesin 1"},
        "signals": list(signals),
        "products": [product],
    }
    line = {"id": "l", "name": {"id": "Line"}, "machines": [machine]}
    return Plant.model_validate(
        {
            "site": {"id": "s", "name": "Site"},
            "areas": [{"id": "a", "name": {"id": "Area"}, "lines": [line]}],
            "calendar": {
                "shifts": [{"id": "pagi", "name": {"id": "Pagi"}, "start": "07:00", "end": "15:00"}]
            },
        }
    )


def code_for(plant: Plant, signal: str, value: float) -> str | None:
    record = SampleRecord("mqtt", "m1", signal, NOW - timedelta(minutes=1), value)
    rejection = check_record(record, plant, NOW)
    return None if rejection is None else rejection.code


PLANT = plant_with(
    {
        "id": "temp",
        "name": {"id": "Suhu"},
        "plausible": {"min": -50, "max": 400},
        "low": 10,
        "high": 90,
    },
    {"id": "kwh", "name": {"id": "Energi"}},
)


@pytest.mark.parametrize("value", [-50.0, 0.0, 95.0, 400.0])
def test_values_inside_the_plausible_range_are_kept_even_beyond_alarm_limits(
    value: float,
) -> None:
    assert code_for(PLANT, "temp", value) is None


@pytest.mark.parametrize("value", [-50.001, 400.5, 1e308, -1e308])
def test_values_outside_the_plausible_range_are_out_of_range(value: float) -> None:
    assert code_for(PLANT, "temp", value) == "out_of_range"


def test_a_signal_without_a_range_refuses_absurd_magnitudes_by_default() -> None:
    assert code_for(PLANT, "kwh", 1e308) == "out_of_range"
    assert code_for(PLANT, "kwh", -2e15) == "out_of_range"
    assert code_for(PLANT, "kwh", DEFAULT_PLAUSIBLE_ABS) is None
    assert code_for(PLANT, "kwh", 123456789.5) is None


def test_the_rejection_names_the_range_and_the_signal() -> None:
    record = SampleRecord("mqtt", "m1", "temp", NOW - timedelta(minutes=1), 1e308)
    rejection = check_record(record, PLANT, NOW)
    assert rejection is not None
    assert "[-50, 400]" in rejection.detail
    assert "'temp'" in rejection.detail


def test_one_sided_range_keeps_the_default_on_the_other_side() -> None:
    signal = Signal.model_validate({"id": "p", "name": {"id": "P"}, "plausible": {"min": 0}})
    assert signal.plausible.min == 0
    assert signal.plausible.max == DEFAULT_PLAUSIBLE_ABS


@pytest.mark.parametrize(
    "plausible",
    [{"min": 10, "max": 10}, {"min": 5, "max": 1}, {"max": float("inf")}, {"lo": 1}],
)
def test_a_range_must_be_ordered_finite_and_use_min_and_max(plausible: object) -> None:
    with pytest.raises(ValidationError):
        Signal.model_validate({"id": "p", "name": {"id": "P"}, "plausible": plausible})


def test_a_signal_without_its_own_range_dumps_as_before_so_plant_fingerprints_hold() -> None:
    plain = Signal.model_validate({"id": "p", "name": {"id": "P"}})
    assert "plausible" not in plain.model_dump(mode="json")
    assert (
        "plausible"
        not in PLANT.model_dump(mode="json")["areas"][0]["lines"][0]["machines"][0]["signals"][1]
    )


def test_a_declared_range_survives_a_dump_and_reload() -> None:
    again = Plant.model_validate(PLANT.model_dump())
    temp = again.machines()[0].signals[0]
    assert (temp.plausible.min, temp.plausible.max) == (-50, 400)
