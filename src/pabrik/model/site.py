"""The plant as configured: ISA-95 hierarchy, products, shifts, reasons and cost rates."""

from __future__ import annotations

import itertools
import zoneinfo
from collections import Counter
from datetime import date, datetime, time
from decimal import Decimal
from enum import StrEnum
from functools import cached_property
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
    lsl: float | None = None
    """Lower specification limit, for the capability indices Cm, Cmk, Cp and Cpk."""
    usl: float | None = None
    """Upper specification limit, for the capability indices Cm, Cmk, Cp and Cpk."""

    @model_validator(mode="after")
    def _limits_ordered(self) -> Self:
        if self.low is not None and self.high is not None and self.low >= self.high:
            raise ValueError("low must be below high")
        if self.lsl is not None and self.usl is not None and self.lsl >= self.usl:
            raise ValueError("lsl must be below usl")
        return self


class Product(_Strict):
    """A product a machine can run, with its ideal (planned) cycle time per unit."""

    id: Identifier
    name: Text
    ideal_cycle_time_s: Decimal = Field(gt=0, le=86400)
    scrap_cost_idr: Money | None = None


class MaintenanceKind(StrEnum):
    """Which maintenance a stop reason stands for, for the corrective maintenance ratio."""

    CORRECTIVE = "corrective"
    PREVENTIVE = "preventive"


class DowntimeReason(_Strict):
    """A reason code an operator or a machine can give for a stop."""

    id: Identifier
    name: Text
    state: StateClass = StateClass.UNPLANNED_STOP
    maintenance: MaintenanceKind | None = None


class TimeElement(StrEnum):
    """The ISO 22400 time element a machine state is booked to inside planned operation time."""

    APT = "apt"
    AUST = "aust"
    ADET = "adet"
    ADOT = "adot"
    PDOT = "pdot"
    UNKNOWN = "unknown"


DEFAULT_ELEMENTS: dict[StateClass, TimeElement] = {
    StateClass.RUNNING: TimeElement.APT,
    StateClass.CHANGEOVER: TimeElement.AUST,
    StateClass.UNPLANNED_STOP: TimeElement.ADET,
    StateClass.IDLE: TimeElement.ADOT,
    StateClass.PLANNED_STOP: TimeElement.PDOT,
    StateClass.UNKNOWN: TimeElement.UNKNOWN,
}


class TimeModelMap(_Strict):
    """Per machine: which ISO element a state class, or a reason (raw) code, is booked to.

    A reason entry wins over its state's entry; anything unlisted keeps the default
    (running APT, changeover AUST, unplanned stop ADET, idle ADOT, planned stop PDOT).
    """

    states: dict[StateClass, TimeElement] = Field(default_factory=dict)
    reasons: dict[str, TimeElement] = Field(default_factory=dict)

    def element(self, state: StateClass, reason: str | None) -> TimeElement:
        """The element for a state record."""
        if reason is not None and reason in self.reasons:
            return self.reasons[reason]
        return self.states.get(state, DEFAULT_ELEMENTS[state])


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


class Line(_Strict):
    """A production line: machines that together make a product."""

    id: Identifier
    name: Text
    downtime_cost_per_hour_idr: Money = Decimal(0)
    machines: list[Machine] = Field(min_length=1)
    calendar: LineCalendar | None = None
    """Which of the plant's shifts this line works, and on which days (None: all of them)."""


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


class LineCalendar(_Strict):
    """A line's own shift pattern: a subset of the plant's shifts and weekdays."""

    shifts: list[Identifier] | None = None
    days: list[Weekday] | None = None


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


class Holidays(_Strict):
    """Days without planned operation: a shipped national list plus the plant's own changes."""

    country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    """ISO 3166 code of a shipped holiday list (``ID``: Indonesia), or None for none."""
    extra: list[date] = Field(default_factory=list)
    """More days off (company holidays, cuti bersama the plant observes)."""
    working: list[date] = Field(default_factory=list)
    """Listed holidays on which the plant works anyway."""


class Calendar(_Strict):
    """Shifts and the zone they are written in."""

    timezone: str = "Asia/Jakarta"
    shifts: list[Shift] = Field(min_length=1)
    holidays: Holidays = Holidays()

    @model_validator(mode="after")
    def _shifts_do_not_overlap(self) -> Self:
        conflict = _shift_overlap(self.shifts)
        if conflict:
            raise ValueError(conflict)
        return self

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as err:
            raise ValueError(f"unknown IANA time zone '{value}'") from err
        return value


_DAY_S = 24 * 3600
_WEEK_S = 7 * _DAY_S


def _seconds(t: time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


def _weekly_spans(shift: Shift) -> list[tuple[int, int, Weekday]]:
    """The shift's spans in seconds of a local week (Monday 00:00 = 0), wrapping Sunday night."""
    start = _seconds(shift.start)
    length = (_seconds(shift.end) - start) % _DAY_S
    out: list[tuple[int, int, Weekday]] = []
    for day in shift.days:
        s = list(Weekday).index(day) * _DAY_S + start
        e = s + length
        out.append((s, min(e, _WEEK_S), day))
        if e > _WEEK_S:
            out.append((0, e - _WEEK_S, day))
    return out


def _clock(seconds: int) -> str:
    seconds %= _DAY_S
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}"


def _shift_overlap(shifts: list[Shift]) -> str | None:
    """A description of the first two shifts whose weekly wall-clock spans overlap, if any."""
    spans = [(s, e, day, shift.id) for shift in shifts for s, e, day in _weekly_spans(shift)]
    spans.sort()
    for i, (s1, e1, day1, id1) in enumerate(spans):
        for s2, e2, _, id2 in spans[i + 1 :]:
            if s2 >= e1:
                break
            lo, hi = max(s1, s2), min(e1, e2)
            where = list(Weekday)[lo // _DAY_S].value
            names = f"'{id1}' and '{id2}'" if id1 != id2 else f"'{id1}' (started {day1.value})"
            return f"shifts {names} overlap on {where} from {_clock(lo)} to {_clock(hi)}"
    return None


class KpiSettings(_Strict):
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


class ProductionOrder(_Strict):
    """A production order on one machine: planned quantity, run time per item, planned scrap."""

    id: str = Field(min_length=1, max_length=64)
    machine: Identifier
    product: Identifier | None = None
    start: datetime
    end: datetime
    quantity: int = Field(gt=0)
    """Planned order quantity (POQ)."""
    pri_s: Decimal | None = Field(default=None, gt=0, le=86400)
    """Planned run time per item; the product's ideal cycle time when not given."""
    planned_scrap_ratio: Decimal = Field(default=Decimal(0), ge=0, le=1)
    """Expected scrap as a share of produced quantity (PSQ = ratio x PQ)."""

    @model_validator(mode="after")
    def _aware_and_ordered(self) -> Self:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("order start and end need a UTC offset")
        if self.end <= self.start:
            raise ValueError("an order must end after it starts")
        return self


def _order_overlap(orders: list[ProductionOrder]) -> str | None:
    by_machine: dict[str, list[ProductionOrder]] = {}
    for order in orders:
        by_machine.setdefault(order.machine, []).append(order)
    for machine_id, items in by_machine.items():
        items.sort(key=lambda o: o.start)
        for a, b in itertools.pairwise(items):
            if b.start < a.end:
                return (
                    f"orders '{a.id}' and '{b.id}' overlap on machine '{machine_id}'"
                    f" from {b.start.isoformat()} to {min(a.end, b.end).isoformat()}"
                )
    return None


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


class Retention(_Strict):
    """How long data is kept; a missing value keeps it for ever (the default)."""

    raw_days: float | None = Field(default=None, gt=0)
    """Days of raw states, counts and samples to keep."""
    signals: dict[Identifier, Annotated[float, Field(gt=0)]] = Field(default_factory=dict)
    """Days of raw samples per signal id (on every machine with it), instead of raw_days."""
    rollup_years: float | None = Field(default=None, gt=0)
    """Years of KPI rollups to keep; they outlive raw data so long views stay fast."""
    dead_letter_days: float | None = Field(default=None, gt=0)
    """Days to keep rejected inputs."""


class SiteInfo(_Strict):
    """The site: the top of the hierarchy."""

    id: Identifier
    name: str = Field(min_length=1, max_length=200)
    company: str | None = Field(default=None, max_length=200)
    province: str | None = Field(default=None, max_length=100)
    tenant: Identifier | None = None
    """The tenant (company account) that owns this site's data; ``default`` when not given."""


class Plant(_Strict):
    """Everything pabrik knows about one site's equipment, time and money."""

    site: SiteInfo
    areas: list[Area] = Field(min_length=1)
    calendar: Calendar
    costs: Costs = Costs()
    downtime_reasons: list[DowntimeReason] = Field(default_factory=list)
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
        return self

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
        conflict = _order_overlap(list(self.orders))
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

    def reason(self, reason_id: str) -> DowntimeReason | None:
        """A downtime reason by id."""
        return next((r for r in self.downtime_reasons if r.id == reason_id), None)


def _unique(what: str, ids: list[str]) -> None:
    dupes = sorted(i for i, n in Counter(ids).items() if n > 1)
    if dupes:
        raise ValueError(f"duplicate {what} id(s): {', '.join(dupes)}")
