"""Read models that the runtime hands to the delivery layers (web, cli)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from pabrik.model.fields import Text
from pabrik.model.states import StateClass
from pabrik.runtime.kpi.views import LossView, OeeView


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
    oee_shift: OeeView
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
    oee_shift: OeeView
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
    oee_shift: OeeView
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
class MachineLive:
    """The live numbers of a machine page: state, the window's OEE and its downtime reasons."""

    status: MachineStatus
    window: str
    reasons: list[ReasonDuration]
    oee: OeeView


@dataclass(frozen=True, slots=True)
class MachineDetail:
    """Everything on a machine page for a chosen window."""

    status: MachineStatus
    window: str
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
