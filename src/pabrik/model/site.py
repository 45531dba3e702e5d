"""The plant as configured: ISA-95 hierarchy, products, shifts, reasons and cost rates."""

from __future__ import annotations

import zoneinfo
from collections import Counter
from datetime import time
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from pabrik.model.states import StateClass

Identifier = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_-]*$")]
Money = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=2)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(_Strict):
    """A label in Bahasa Indonesia with an optional English form."""

    id: str = Field(min_length=1, max_length=200)
    en: str | None = Field(default=None, max_length=200)

    def get(self, locale: str) -> str:
        """The label in ``locale``, falling back to Indonesian."""
        return self.en if locale == "en" and self.en else self.id


class SignalKind(StrEnum):
    """How a signal's values behave."""

    GAUGE = "gauge"
    COUNTER = "counter"


class Signal(_Strict):
    """A measured quantity on a machine (temperature, vibration, kWh meter...)."""

    id: Identifier
    name: Text
    unit: str = Field(default="", max_length=16)
    kind: SignalKind = SignalKind.GAUGE
    low: float | None = None
    high: float | None = None

    @model_validator(mode="after")
    def _limits_ordered(self) -> Self:
        if self.low is not None and self.high is not None and self.low >= self.high:
            raise ValueError("low must be below high")
        return self


class Product(_Strict):
    """A product a machine can run, with its ideal (planned) cycle time per unit."""

    id: Identifier
    name: Text
    ideal_cycle_time_s: Decimal = Field(gt=0, le=86400)
    scrap_cost_idr: Money | None = None


class DowntimeReason(_Strict):
    """A reason code an operator or a machine can give for a stop."""

    id: Identifier
    name: Text
    state: StateClass = StateClass.UNPLANNED_STOP


class Machine(_Strict):
    """A work unit: the lowest level of the ISA-95 hierarchy that pabrik tracks."""

    id: Identifier
    name: Text
    kind: str = Field(default="generic", max_length=64)
    signals: list[Signal] = Field(default_factory=list)
    products: list[Product] = Field(min_length=1)
    energy_signal: Identifier | None = None
    state_map: dict[str, StateClass] = Field(default_factory=dict)
    reasons: list[Identifier] = Field(default_factory=list)

    @model_validator(mode="after")
    def _references_resolve(self) -> Self:
        _unique("signals", [s.id for s in self.signals])
        _unique("products", [p.id for p in self.products])
        if self.energy_signal is not None and self.energy_signal not in self.signal_ids:
            raise ValueError(f"energy_signal '{self.energy_signal}' is not one of its signals")
        return self

    @property
    def signal_ids(self) -> set[str]:
        """Ids of this machine's signals."""
        return {s.id for s in self.signals}

    def product(self, product_id: str | None) -> Product:
        """The product by id, or the machine's first (default) product."""
        for p in self.products:
            if p.id == product_id:
                return p
        return self.products[0]


class Line(_Strict):
    """A production line: machines that together make a product."""

    id: Identifier
    name: Text
    downtime_cost_per_hour_idr: Money = Decimal(0)
    machines: list[Machine] = Field(min_length=1)


class Area(_Strict):
    """An area of the site (a hall, a department)."""

    id: Identifier
    name: Text
    lines: list[Line] = Field(min_length=1)


class Break(_Strict):
    """A planned break inside a shift, in local wall-clock time."""

    name: Text | None = None
    start: time
    end: time


class Weekday(StrEnum):
    """Days of the week, ISO order."""

    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"


class Shift(_Strict):
    """A shift pattern in local time; an end before the start crosses midnight."""

    id: Identifier
    name: Text
    start: time
    end: time
    days: list[Weekday] = Field(default_factory=lambda: list(Weekday))
    breaks: list[Break] = Field(default_factory=list)

    @model_validator(mode="after")
    def _not_empty(self) -> Self:
        if self.start == self.end:
            raise ValueError("a shift must not start and end at the same time")
        return self


class Calendar(_Strict):
    """Shifts and the zone they are written in."""

    timezone: str = "Asia/Jakarta"
    shifts: list[Shift] = Field(min_length=1)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as err:
            raise ValueError(f"unknown IANA time zone '{value}'") from err
        return value


class Costs(_Strict):
    """Rates used to price losses, in rupiah."""

    energy_per_kwh_idr: Money = Decimal(0)
    scrap_per_unit_idr: Money = Decimal(0)


class IngestLimits(_Strict):
    """Limits that decide whether a record is accepted."""

    max_future_skew_s: float = Field(default=300, ge=0)
    max_age_days: float = Field(default=3660, gt=0)
    max_payload_bytes: int = Field(default=256 * 1024, gt=0)
    micro_stop_s: float = Field(default=0, ge=0)


class SiteInfo(_Strict):
    """The site: the top of the hierarchy."""

    id: Identifier
    name: str = Field(min_length=1, max_length=200)
    company: str | None = Field(default=None, max_length=200)
    province: str | None = Field(default=None, max_length=100)


class Plant(_Strict):
    """Everything pabrik knows about one site's equipment, time and money."""

    site: SiteInfo
    areas: list[Area] = Field(min_length=1)
    calendar: Calendar
    costs: Costs = Costs()
    downtime_reasons: list[DowntimeReason] = Field(default_factory=list)
    limits: IngestLimits = IngestLimits()

    @model_validator(mode="after")
    def _ids_unique_and_known(self) -> Self:
        _unique("areas", [a.id for a in self.areas])
        _unique("lines", [ln.id for a in self.areas for ln in a.lines])
        _unique("machines", [m.id for m in self.machines()])
        _unique("downtime_reasons", [r.id for r in self.downtime_reasons])
        _unique("calendar.shifts", [s.id for s in self.calendar.shifts])
        known = {r.id for r in self.downtime_reasons}
        for m in self.machines():
            unknown = sorted(set(m.reasons) - known)
            if unknown:
                raise ValueError(f"machine '{m.id}' names unknown reasons: {', '.join(unknown)}")
        return self

    def lines(self) -> list[Line]:
        """All lines, in configuration order."""
        return [ln for a in self.areas for ln in a.lines]

    def machines(self) -> list[Machine]:
        """All machines, in configuration order."""
        return [m for ln in self.lines() for m in ln.machines]

    def machine(self, machine_id: str) -> Machine | None:
        """A machine by id."""
        return next((m for m in self.machines() if m.id == machine_id), None)

    def line_of(self, machine_id: str) -> Line | None:
        """The line a machine belongs to."""
        return next((ln for ln in self.lines() for m in ln.machines if m.id == machine_id), None)

    def reason(self, reason_id: str) -> DowntimeReason | None:
        """A downtime reason by id."""
        return next((r for r in self.downtime_reasons if r.id == reason_id), None)


def _unique(what: str, ids: list[str]) -> None:
    dupes = sorted(i for i, n in Counter(ids).items() if n > 1)
    if dupes:
        raise ValueError(f"duplicate {what} id(s): {', '.join(dupes)}")
