"""The plant as configured: the ISA-95 hierarchy and its plant-wide KPI rules, costs and limits."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from functools import cached_property
from typing import Annotated, Self

from pydantic import Field, model_validator

from pabrik.model.equipment import DowntimeReason, Product, QualityReason, Signal, TimeModelMap
from pabrik.model.fields import Identifier, Money, StrictModel, Text
from pabrik.model.orders import ProductionOrder, order_overlap
from pabrik.model.shifts import Calendar, LineCalendar
from pabrik.model.states import StateClass


class Machine(StrictModel):
    """A work unit: the lowest level of the ISA-95 hierarchy that pabrik tracks."""

    id: Identifier
    name: Text
    kind: str = Field(default="generic", max_length=64)
    signals: list[Signal] = Field(default_factory=list)
    products: list[Product] = Field(min_length=1)
    energy_signal: Identifier | None = None
    state_map: dict[str, StateClass] = Field(default_factory=dict)
    reasons: list[Identifier] = Field(default_factory=list)
    time_model: TimeModelMap = TimeModelMap()
    rated_capacity_per_hour: Decimal | None = Field(default=None, gt=0)
    """Rated equipment production capacity (REPC) in units per hour, for the load ratio."""

    @model_validator(mode="after")
    def _references_resolve(self) -> Self:
        _unique("signals", [s.id for s in self.signals])
        _unique("products", [p.id for p in self.products])
        if self.energy_signal is not None and self.energy_signal not in self.signal_ids:
            raise ValueError(f"energy_signal '{self.energy_signal}' is not one of its signals")
        return self

    @cached_property
    def signal_ids(self) -> frozenset[str]:
        """Ids of this machine's signals."""
        return frozenset(s.id for s in self.signals)

    def product(self, product_id: str | None) -> Product:
        """The product by id, or the machine's first (default) product."""
        for p in self.products:
            if p.id == product_id:
                return p
        return self.products[0]


class Line(StrictModel):
    """A production line: machines that together make a product."""

    id: Identifier
    name: Text
    downtime_cost_per_hour_idr: Money = Decimal(0)
    machines: list[Machine] = Field(min_length=1)
    calendar: LineCalendar | None = None
    """Which of the plant's shifts this line works, and on which days (None: all of them)."""


class Area(StrictModel):
    """An area of the site (a hall, a department)."""

    id: Identifier
    name: Text
    lines: list[Line] = Field(min_length=1)


class KpiSettings(StrictModel):
    """Rules of the KPI time model that are stored with every result."""

    debounce_s: float = Field(default=0, ge=0, le=3600)
    """State records shorter than this are flickers: the previous state goes on through them."""
    count_period_s: float = Field(default=0, ge=0, le=86400)
    """Longest period one count record covers; counts are split over window borders by it.

    0 keeps counts as instants (a count belongs to the window its timestamp ends).
    """
    order_reading: bool = True
    """Use order context when it exists (OPC 40001-1): idle with an order running is ADET."""
    startup_window_s: float = Field(default=600, ge=0, le=86400)
    """Scrap made this long after a changeover or planned stop ends is a start-up reject; 0: off."""
    minute_rollup_days: float = Field(default=2, ge=0, le=31)
    """How many recent days keep per-minute rollups besides the per-hour ones."""
    min_coverage: float = Field(default=0.8, ge=0, le=1)
    """Below this share of planned busy time with a known state, a figure is provisional."""


class Costs(StrictModel):
    """Rates used to price losses, in rupiah."""

    energy_per_kwh_idr: Money = Decimal(0)
    scrap_per_unit_idr: Money = Decimal(0)


class IngestLimits(StrictModel):
    """Limits that decide whether a record is accepted."""

    max_future_skew_s: float = Field(default=300, ge=0)
    max_age_days: float = Field(default=3660, gt=0)
    max_payload_bytes: int = Field(default=256 * 1024, gt=0)
    micro_stop_s: float = Field(default=0, ge=0)


class Retention(StrictModel):
    """How long data is kept; a missing value keeps it for ever (the default)."""

    raw_days: float | None = Field(default=None, gt=0)
    """Days of raw states, counts and samples to keep."""
    signals: dict[Identifier, Annotated[float, Field(gt=0)]] = Field(default_factory=dict)
    """Days of raw samples per signal id (on every machine with it), instead of raw_days."""
    rollup_years: float | None = Field(default=None, gt=0)
    """Years of KPI rollups to keep; they outlive raw data so long views stay fast."""
    dead_letter_days: float | None = Field(default=None, gt=0)
    """Days to keep rejected inputs."""


class SiteInfo(StrictModel):
    """The site: the top of the hierarchy."""

    id: Identifier
    name: str = Field(min_length=1, max_length=200)
    company: str | None = Field(default=None, max_length=200)
    province: str | None = Field(default=None, max_length=100)
    tenant: Identifier | None = None
    """The tenant (company account) that owns this site's data; ``default`` when not given."""


class Plant(StrictModel):
    """Everything pabrik knows about one site's equipment, time and money."""

    site: SiteInfo
    areas: list[Area] = Field(min_length=1)
    calendar: Calendar
    costs: Costs = Costs()
    downtime_reasons: list[DowntimeReason] = Field(default_factory=list)
    scrap_reasons: list[QualityReason] = Field(default_factory=list)
    """Scrap and defect reasons (the quality-loss Pareto), each for some machines or products."""
    limits: IngestLimits = IngestLimits()
    kpi: KpiSettings = KpiSettings()
    orders: list[ProductionOrder] = Field(default_factory=list)
    retention: Retention = Retention()

    @model_validator(mode="after")
    def _retention_signals_known(self) -> Self:
        known = {s.id for m in self.machines() for s in m.signals}
        unknown = sorted(set(self.retention.signals) - known)
        if unknown:
            raise ValueError(f"retention names unknown signals: {', '.join(unknown)}")
        return self

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
        self._check_line_calendars()
        self._check_orders()
        self._check_scrap_reasons()
        return self

    def _check_scrap_reasons(self) -> None:
        _unique("scrap_reasons", [r.id for r in self.scrap_reasons])
        machines = {m.id for m in self.machines()}
        for r in self.scrap_reasons:
            unknown = sorted(set(r.machines) - machines)
            if unknown:
                raise ValueError(
                    f"scrap reason '{r.id}' names unknown machines: {', '.join(unknown)}"
                )

    def _check_line_calendars(self) -> None:
        shift_ids = {s.id for s in self.calendar.shifts}
        for line in self.lines():
            if line.calendar and line.calendar.shifts:
                unknown = sorted(set(line.calendar.shifts) - shift_ids)
                if unknown:
                    raise ValueError(f"line '{line.id}' names unknown shifts: {', '.join(unknown)}")

    def _check_orders(self) -> None:
        _unique("orders", [o.id for o in self.orders])
        for order in self.orders:
            machine = next((m for m in self.machines() if m.id == order.machine), None)
            if machine is None:
                raise ValueError(f"order '{order.id}' names unknown machine '{order.machine}'")
            if order.product and order.product not in {p.id for p in machine.products}:
                raise ValueError(
                    f"order '{order.id}' names product '{order.product}' that"
                    f" machine '{machine.id}' does not make"
                )
        conflict = order_overlap(list(self.orders))
        if conflict:
            raise ValueError(conflict)

    def line_calendar(self, line_id: str) -> LineCalendar | None:
        """The shift pattern of a line, when it has its own."""
        line = next((ln for ln in self.lines() if ln.id == line_id), None)
        return line.calendar if line else None

    def lines(self) -> list[Line]:
        """All lines, in configuration order."""
        return [ln for a in self.areas for ln in a.lines]

    def machines(self) -> list[Machine]:
        """All machines, in configuration order."""
        return [m for ln in self.lines() for m in ln.machines]

    @cached_property
    def _machine_index(self) -> dict[str, Machine]:
        return {m.id: m for m in self.machines()}

    def machine(self, machine_id: str) -> Machine | None:
        """A machine by id."""
        return self._machine_index.get(machine_id)

    def line_of(self, machine_id: str) -> Line | None:
        """The line a machine belongs to."""
        return next((ln for ln in self.lines() for m in ln.machines if m.id == machine_id), None)

    def scrap_reasons_for(self, machine_id: str, product_id: str | None) -> list[QualityReason]:
        """The scrap reasons an operator of a machine making a product may give."""
        return [r for r in self.scrap_reasons if r.applies(machine_id, product_id)]

    def reason(self, reason_id: str) -> DowntimeReason | None:
        """A downtime reason by id."""
        return next((r for r in self.downtime_reasons if r.id == reason_id), None)


def _unique(what: str, ids: list[str]) -> None:
    dupes = sorted(i for i, n in Counter(ids).items() if n > 1)
    if dupes:
        raise ValueError(f"duplicate {what} id(s): {', '.join(dupes)}")
