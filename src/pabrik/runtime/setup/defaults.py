"""What the setup wizard offers before anyone types: reasons, shifts and rates (a data file)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Generic, TypeVar

import yaml

from pabrik.model.equipment import DowntimeReason, QualityReason
from pabrik.model.shifts import Weekday
from pabrik.runtime.kpi.data import Holiday, holiday_list
from pabrik.runtime.programme.reference import provinces

DEFAULTS_FILE = "setup-defaults.yaml"
TIMEZONES = ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura")
HOLIDAY_COUNTRY = "ID"
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Offered(Generic[T]):
    """A choice the wizard lists, and whether it is ticked at first."""

    item: T
    ticked: bool


@dataclass(frozen=True, slots=True)
class ShiftDefault:
    """A shift the wizard proposes, in local wall-clock time."""

    name: str
    start: str
    end: str
    break_start: str
    break_end: str


@dataclass(frozen=True, slots=True)
class Defaults:
    """Everything the wizard proposes."""

    stop_reasons: tuple[Offered[DowntimeReason], ...]
    scrap_reasons: tuple[Offered[QualityReason], ...]
    shifts: tuple[ShiftDefault, ...]
    days: tuple[Weekday, ...]
    energy_per_kwh_idr: str
    scrap_per_unit_idr: str
    downtime_cost_per_hour_idr: str

    def stop_reason(self, reason_id: str) -> DowntimeReason | None:
        """An offered stop reason by id."""
        return next((o.item for o in self.stop_reasons if o.item.id == reason_id), None)

    def scrap_reason(self, reason_id: str) -> QualityReason | None:
        """An offered scrap reason by id."""
        return next((o.item for o in self.scrap_reasons if o.item.id == reason_id), None)


def _offered(items: list[dict[str, Any]], model: type[T]) -> tuple[Offered[T], ...]:
    out = []
    for raw in items:
        ticked = bool(raw.pop("default", False))
        out.append(Offered(model(**raw), ticked))
    return tuple(out)


@cache
def setup_defaults() -> Defaults:
    """The shipped defaults in ``pabrik/data/setup-defaults.yaml``."""
    text = resources.files("pabrik").joinpath("data", DEFAULTS_FILE).read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    costs = data["costs"]
    return Defaults(
        stop_reasons=_offered([dict(r) for r in data["stop_reasons"]], DowntimeReason),
        scrap_reasons=_offered([dict(r) for r in data["scrap_reasons"]], QualityReason),
        shifts=tuple(ShiftDefault(**s) for s in data["shifts"]),
        days=tuple(Weekday(d) for d in data["days"]),
        energy_per_kwh_idr=str(costs["energy_per_kwh_idr"]),
        scrap_per_unit_idr=str(costs["scrap_per_unit_idr"]),
        downtime_cost_per_hour_idr=str(costs["downtime_cost_per_hour_idr"]),
    )


def national_holidays() -> tuple[Holiday, ...]:
    """Indonesia's shipped public holidays (data/holidays/ID.yaml), for the shifts step."""
    return holiday_list(HOLIDAY_COUNTRY)


def province_names() -> tuple[str, ...]:
    """The provinces a site may name."""
    return provinces()
