"""Read models of the KPI engine for the API, the command line, exports and reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from fractions import Fraction

from pabrik.model.fields import Text


@dataclass(frozen=True, slots=True)
class Ratio:
    """A KPI value that may be missing, with the reason when it is."""

    value: Fraction | None
    reason: str | None = None

    @property
    def percent(self) -> float | None:
        """The value in percent, for display."""
        return None if self.value is None else float(self.value) * 100


@dataclass(frozen=True, slots=True)
class LossView:
    """One loss, in time, for a top-loss list or a Pareto chart."""

    code: str
    kind: str
    ms: int
    label: Text | None = None


@dataclass(frozen=True, slots=True)
class OeeView:
    """OEE and its factors over one scope and window, with the elements behind them.

    Only [start, measured_end) was measured: ``future_ms`` of the window lay after now.
    ``known_ms`` of the ``planned_ms`` had a known machine state; below the site's coverage
    threshold the figures are ``provisional``.
    """

    scope: str
    window: str
    start: datetime
    end: datetime
    measured_end: datetime
    future_ms: int
    availability: Ratio
    performance: Ratio
    quality: Ratio
    oee: Ratio
    planned_ms: int
    known_ms: int
    run_ms: int
    unknown_ms: int
    good: int
    scrap: int
    provisional: bool
    top_loss: LossView | None
    flags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class KpiValueView:
    """One KPI value with its metadata."""

    id: str
    value: Fraction | float | None
    unit: str
    formula: str
    trend: str
    missing: str | None = None
    flags: tuple[str, ...] = ()
    capped: Fraction | float | None = None
    iso: int | None = None

    @property
    def number(self) -> float | None:
        """The value as a float, for display and JSON."""
        return None if self.value is None else float(self.value)

    @property
    def exact(self) -> str | None:
        """The exact fraction as text, when the value is exact."""
        if isinstance(self.value, Fraction):
            return f"{self.value.numerator}/{self.value.denominator}"
        return None


@dataclass(frozen=True, slots=True)
class KpiReport:
    """KPIs of one scope and window, with the elements and the rules behind them."""

    scope: str
    window: str
    start: datetime
    end: datetime
    measured_end: datetime
    future_ms: int
    known_ms: int
    planned_ms: int
    provisional: bool
    machines: tuple[str, ...]
    values: list[KpiValueView]
    elements: dict[str, int | str]
    rules: dict[str, int | bool | str]
    flags: tuple[str, ...]
    catalogue_version: int


@dataclass(frozen=True, slots=True)
class ParetoItem:
    """One downtime reason in a Pareto table."""

    code: str
    state: str
    label: Text | None
    ms: int
    share: float
    cumulative: float


@dataclass(frozen=True, slots=True)
class CostItem:
    """One priced loss: time in machine-hours (summed over the line's machines), units or kWh."""

    key: str
    quantity: float
    unit: str
    idr: Fraction


@dataclass(frozen=True, slots=True)
class LineCost:
    """The cost of losses on one line, and what one OEE point is worth there."""

    line_id: str
    name: Text
    machines: int
    rate_per_hour: Fraction
    """Downtime cost per line-hour; a machine-hour costs this over the line's machines."""
    oee: Fraction | None
    items: list[CostItem]
    """Losses: time (machine-hours), scrap (units) and wasted energy (kWh)."""
    total_idr: Fraction
    oee_point_idr: Fraction
    energy_kwh: Fraction | None
    """All metered energy of the line (None without meters): a cost, shown apart from losses."""
    energy_idr: Fraction | None
    whole: bool = True
    """Whether every machine of the line is in the scope (else: the scope's share of the line)."""


@dataclass(frozen=True, slots=True)
class LossReport:
    """Pareto, six big losses and cost of losses for one scope and window."""

    scope: str
    summary: OeeView
    """The scope's OEE, factors, counts, top loss, coverage and period (as on every page)."""
    pareto: list[ParetoItem]
    big_losses: dict[str, int]
    """The six big losses in machine-ms summed over the scope's machines."""
    lines: list[LineCost]
    total_idr: Fraction
    energy_idr: Fraction | None


@dataclass(frozen=True, slots=True)
class MachineCounts:
    """Units counted on one machine in a shift."""

    machine_id: str
    name: Text
    good: int
    scrap: int
    rework: int
    oee: Fraction | None
    energy_kwh: Fraction | None
    target: int = 0
    """Units the shift's planned busy time allows at the ideal cycle time."""


@dataclass(frozen=True, slots=True)
class ShiftReport:
    """Everything on the printable, signed shift report."""

    site_name: str
    scope: str
    scope_name: Text
    shift_key: str
    shift_name: Text
    production_day: date
    start: datetime
    end: datetime
    timezone: str
    machines: list[MachineCounts]
    summary: OeeView
    kpis: list[KpiValueView]
    top_losses: list[ParetoItem]
    energy_kwh: Fraction | None
    sec_kwh_per_unit: Fraction | None
    energy_cost_idr: Fraction | None
    flags: tuple[str, ...]
    generated_at: datetime


@dataclass(frozen=True, slots=True)
class EnergyDay:
    """One day of an energy baseline or report."""

    day: date
    production: int
    actual_kwh: Fraction
    expected_kwh: Fraction | None = None


@dataclass(frozen=True, slots=True)
class EnergyReport:
    """A baseline fitted on a reference window and a reporting window against it."""

    scope: str
    intercept_kwh: Fraction
    slope_kwh_per_unit: Fraction
    r_squared: float | None
    reference: list[EnergyDay]
    report: list[EnergyDay]
    actual_kwh: Fraction
    expected_kwh: Fraction
    savings_kwh: Fraction
    enpi: Fraction | None
    notes: list[str] = field(default_factory=list)
