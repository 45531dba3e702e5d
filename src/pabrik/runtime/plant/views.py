"""Read models that the runtime hands to the delivery layers (web, cli)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction

from pabrik.model.site import Text
from pabrik.model.states import StateClass


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
class OeeView:
    """OEE and its factors over one scope and window, with the elements behind them."""

    scope: str
    start: datetime
    end: datetime
    availability: Ratio
    performance: Ratio
    quality: Ratio
    oee: Ratio
    planned_ms: int
    run_ms: int
    unknown_ms: int
    good: int
    scrap: int
    flags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class LossView:
    """One loss, in time, for a top-loss list or a Pareto chart."""

    code: str
    kind: str
    ms: int
    label: Text | None = None


@dataclass(frozen=True, slots=True)
class MachineStatus:
    """A machine as the plant overview shows it."""

    id: str
    name: Text
    line_id: str
    state: StateClass
    reason: str | None
    reason_label: Text | None
    since: datetime | None
    oee_shift: OeeView | None
    oee_today: OeeView
    top_loss: LossView | None
    good_today: int
    scrap_today: int


@dataclass(frozen=True, slots=True)
class LineStatus:
    """A line with its machines and its own rolled-up OEE."""

    id: str
    name: Text
    machines: list[MachineStatus]
    oee_shift: OeeView | None
    oee_today: OeeView


@dataclass(frozen=True, slots=True)
class PlantOverview:
    """Everything on the plant overview page."""

    site_name: str
    now: datetime
    timezone: str
    shift_key: str | None
    shift_start: datetime | None
    shift_end: datetime | None
    lines: list[LineStatus]
    oee_shift: OeeView | None
    oee_today: OeeView
    dead_letters: int


@dataclass(frozen=True, slots=True)
class StateSpan:
    """A state interval for a Gantt-style timeline."""

    start: datetime
    end: datetime
    state: StateClass
    reason: str | None


@dataclass(frozen=True, slots=True)
class SeriesPoint:
    """One point of a time series."""

    ts: datetime
    value: float


@dataclass(frozen=True, slots=True)
class SignalSeries:
    """A sensor's values over a window, with its limits."""

    id: str
    name: Text
    unit: str
    low: float | None
    high: float | None
    points: list[SeriesPoint]


@dataclass(frozen=True, slots=True)
class ShiftOee:
    """OEE of one machine in one shift instance."""

    key: str
    shift_id: str
    start: datetime
    end: datetime
    oee: OeeView


@dataclass(frozen=True, slots=True)
class ReasonDuration:
    """Downtime for one reason code in a window."""

    reason: str
    label: Text | None
    ms: int


@dataclass(frozen=True, slots=True)
class MachineDetail:
    """Everything on a machine page for a chosen window."""

    status: MachineStatus
    window_start: datetime
    window_end: datetime
    timeline: list[StateSpan]
    shifts: list[ShiftOee]
    counts: list[tuple[datetime, int, int]]
    signals: list[SignalSeries]
    reasons: list[ReasonDuration]
    oee: OeeView
    losses: list[LossView] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class DeadLetterView:
    """A rejected record as the admin page lists it."""

    id: int
    source: str
    received_at: datetime
    reason_code: str
    detail: str
    payload: str
