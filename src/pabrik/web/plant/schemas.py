"""Public JSON models of the API, built from the runtime's read models."""

from __future__ import annotations

from datetime import datetime

from pabrik.model.fields import Text
from pabrik.model.states import StateClass
from pabrik.runtime.plant import views
from pabrik.web.kpi.schemas import LossPublic, OeePublic
from pabrik.web.schemas import PublicModel, TextPublic


class MachineStatusPublic(PublicModel):
    """A machine's current state, OEE and counts."""

    id: str
    name: TextPublic
    line_id: str
    state: StateClass
    reason: str | None
    reason_label: TextPublic | None
    since: datetime | None
    oee_shift: OeePublic | None
    oee_today: OeePublic
    top_loss: LossPublic | None
    good_today: int
    scrap_today: int

    @classmethod
    def of(cls, view: views.MachineStatus) -> MachineStatusPublic:
        """The public form of a machine status."""
        return cls(
            id=view.id,
            name=_text(view.name),
            line_id=view.line_id,
            state=view.state,
            reason=view.reason,
            reason_label=TextPublic.of(view.reason_label),
            since=view.since,
            oee_shift=OeePublic.maybe(view.oee_shift),
            oee_today=OeePublic.of(view.oee_today),
            top_loss=None if view.top_loss is None else LossPublic.of(view.top_loss),
            good_today=view.good_today,
            scrap_today=view.scrap_today,
        )


def _text(text: Text) -> TextPublic:
    return TextPublic(id=text.id, en=text.en)


class LineStatusPublic(PublicModel):
    """A line with its machines and rolled-up OEE."""

    id: str
    name: TextPublic
    machines: list[MachineStatusPublic]
    oee_shift: OeePublic | None
    oee_today: OeePublic

    @classmethod
    def of(cls, view: views.LineStatus) -> LineStatusPublic:
        """The public form of a line status."""
        return cls(
            id=view.id,
            name=_text(view.name),
            machines=[MachineStatusPublic.of(m) for m in view.machines],
            oee_shift=OeePublic.maybe(view.oee_shift),
            oee_today=OeePublic.of(view.oee_today),
        )


class PlantPublic(PublicModel):
    """The plant overview."""

    site_name: str
    now: datetime
    timezone: str
    shift_key: str | None
    shift_start: datetime | None
    shift_end: datetime | None
    lines: list[LineStatusPublic]
    oee_shift: OeePublic | None
    oee_today: OeePublic
    dead_letters: int

    @classmethod
    def of(cls, view: views.PlantOverview) -> PlantPublic:
        """The public form of the plant overview."""
        return cls(
            site_name=view.site_name,
            now=view.now,
            timezone=view.timezone,
            shift_key=view.shift_key,
            shift_start=view.shift_start,
            shift_end=view.shift_end,
            lines=[LineStatusPublic.of(ln) for ln in view.lines],
            oee_shift=OeePublic.maybe(view.oee_shift),
            oee_today=OeePublic.of(view.oee_today),
            dead_letters=view.dead_letters,
        )


class StateSpanPublic(PublicModel):
    """A state interval on the timeline."""

    start: datetime
    end: datetime
    state: StateClass
    reason: str | None


class SeriesPointPublic(PublicModel):
    """One sensor value."""

    ts: datetime
    value: float


class SignalSeriesPublic(PublicModel):
    """A sensor's values over the window, with its limits."""

    id: str
    name: TextPublic
    unit: str
    low: float | None
    high: float | None
    points: list[SeriesPointPublic]

    @classmethod
    def of(cls, view: views.SignalSeries) -> SignalSeriesPublic:
        """The public form of a signal series."""
        return cls(
            id=view.id,
            name=_text(view.name),
            unit=view.unit,
            low=view.low,
            high=view.high,
            points=[SeriesPointPublic(ts=p.ts, value=p.value) for p in view.points],
        )


class ShiftOeePublic(PublicModel):
    """OEE of one shift instance."""

    key: str
    shift_id: str
    start: datetime
    end: datetime
    oee: OeePublic


class CountPublic(PublicModel):
    """Good and scrap units counted in one bucket of the window."""

    ts: datetime
    good: int
    scrap: int


class ReasonDurationPublic(PublicModel):
    """Downtime for one reason in the window."""

    reason: str
    label: TextPublic | None
    ms: int


class MachineDetailPublic(PublicModel):
    """Everything on a machine page for one window."""

    status: MachineStatusPublic
    window: str
    window_start: datetime
    window_end: datetime
    timeline: list[StateSpanPublic]
    shifts: list[ShiftOeePublic]
    counts: list[CountPublic]
    signals: list[SignalSeriesPublic]
    reasons: list[ReasonDurationPublic]
    oee: OeePublic
    losses: list[LossPublic]

    @classmethod
    def of(cls, view: views.MachineDetail, window: str) -> MachineDetailPublic:
        """The public form of a machine detail."""
        return cls(
            status=MachineStatusPublic.of(view.status),
            window=window,
            window_start=view.window_start,
            window_end=view.window_end,
            timeline=[_span(s) for s in view.timeline],
            shifts=[_shift(s) for s in view.shifts],
            counts=[CountPublic(ts=ts, good=g, scrap=s) for ts, g, s in view.counts],
            signals=[SignalSeriesPublic.of(s) for s in view.signals],
            reasons=[_reason(r) for r in view.reasons],
            oee=OeePublic.of(view.oee),
            losses=[LossPublic.of(loss) for loss in view.losses],
        )


def _span(span: views.StateSpan) -> StateSpanPublic:
    return StateSpanPublic(start=span.start, end=span.end, state=span.state, reason=span.reason)


def _shift(shift: views.ShiftOee) -> ShiftOeePublic:
    return ShiftOeePublic(
        key=shift.key,
        shift_id=shift.shift_id,
        start=shift.start,
        end=shift.end,
        oee=OeePublic.of(shift.oee),
    )


def _reason(reason: views.ReasonDuration) -> ReasonDurationPublic:
    return ReasonDurationPublic(
        reason=reason.reason, label=TextPublic.of(reason.label), ms=reason.ms
    )


class DeadLetterPublic(PublicModel):
    """A rejected record."""

    id: int
    source: str
    received_at: datetime
    reason_code: str
    detail: str
    payload: str


class DeadLetterPagePublic(PublicModel):
    """One page of rejected records, newest first."""

    total: int
    limit: int
    offset: int
    items: list[DeadLetterPublic]

    @classmethod
    def of(
        cls, items: list[views.DeadLetterView], total: int, limit: int, offset: int
    ) -> DeadLetterPagePublic:
        """The public form of a page of dead letters."""
        return cls(
            total=total,
            limit=limit,
            offset=offset,
            items=[
                DeadLetterPublic(
                    id=d.id,
                    source=d.source,
                    received_at=d.received_at,
                    reason_code=d.reason_code,
                    detail=d.detail,
                    payload=d.payload,
                )
                for d in items
            ],
        )
