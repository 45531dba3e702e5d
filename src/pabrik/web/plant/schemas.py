"""Public JSON models of the API, built from the runtime's read models."""

from __future__ import annotations

from datetime import datetime
from fractions import Fraction
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

from pabrik.model.fields import Text
from pabrik.model.states import StateClass
from pabrik.runtime.kpi import views as kviews
from pabrik.runtime.plant import views


class _Public(BaseModel):
    model_config = ConfigDict(frozen=True)


class TextPublic(_Public):
    """A label in Indonesian with an optional English form."""

    id: str
    en: str | None = None

    @classmethod
    def of(cls, text: Text | None) -> TextPublic | None:
        """The public form of a label."""
        return None if text is None else cls(id=text.id, en=text.en)


class RatioPublic(_Public):
    """A KPI ratio: a float for charts, the exact fraction as a string, or why it is missing."""

    value: float | None = Field(description="The ratio as a float (0.748), null when missing")
    exact: str | None = Field(description="The exact ratio as 'num/den', null when missing")
    reason: str | None = Field(description="Why the value is missing, as a code")

    @classmethod
    def of(cls, ratio: kviews.Ratio) -> RatioPublic:
        """The public form of a ratio."""
        return cls(value=_float(ratio.value), exact=_exact(ratio.value), reason=ratio.reason)


def _float(value: Fraction | None) -> float | None:
    return None if value is None else float(value)


def _exact(value: Fraction | None) -> str | None:
    return None if value is None else f"{value.numerator}/{value.denominator}"


class LossPublic(_Public):
    """One loss in milliseconds."""

    code: str
    kind: str
    ms: int
    label: TextPublic | None

    @classmethod
    def of(cls, view: kviews.LossView) -> LossPublic:
        """The public form of a loss."""
        return cls(code=view.code, kind=view.kind, ms=view.ms, label=TextPublic.of(view.label))


class Measured(Protocol):
    """What every measured figure says about its period and coverage."""

    @property
    def scope(self) -> str: ...  # noqa: D102

    @property
    def window(self) -> str: ...  # noqa: D102

    @property
    def start(self) -> datetime: ...  # noqa: D102

    @property
    def end(self) -> datetime: ...  # noqa: D102

    @property
    def measured_end(self) -> datetime: ...  # noqa: D102

    @property
    def future_ms(self) -> int: ...  # noqa: D102

    @property
    def planned_ms(self) -> int: ...  # noqa: D102

    @property
    def known_ms(self) -> int: ...  # noqa: D102

    @property
    def provisional(self) -> bool: ...  # noqa: D102


class MeasuredPublic(BaseModel):
    """The period a figure covers, what of it was measured, and its coverage."""

    scope: str
    window: str = Field(description="shift, day, 7d, 30d or custom")
    start: datetime
    end: datetime
    measured_end: datetime = Field(description="Only [start, measured_end) was measured")
    future_ms: int = Field(description="Milliseconds of the window after now, left out")
    planned_ms: int
    known_ms: int = Field(description="Planned busy time with a known machine state")
    provisional: bool = Field(description="Known time is below the site's coverage threshold")

    @staticmethod
    def fields_of(m: Measured) -> dict[str, Any]:
        """The period fields of a read model."""
        return {name: getattr(m, name) for name in MeasuredPublic.model_fields}


class OeePublic(MeasuredPublic, _Public):
    """OEE with its factors, the time elements behind them, and the period measured."""

    oee: RatioPublic
    availability: RatioPublic
    performance: RatioPublic
    quality: RatioPublic
    run_ms: int
    unknown_ms: int
    good: int
    scrap: int
    top_loss: LossPublic | None
    flags: list[str]

    @classmethod
    def of(cls, view: kviews.OeeView) -> OeePublic:
        """The public form of an OEE view."""
        return cls(
            **cls.fields_of(view),
            top_loss=None if view.top_loss is None else LossPublic.of(view.top_loss),
            oee=RatioPublic.of(view.oee),
            availability=RatioPublic.of(view.availability),
            performance=RatioPublic.of(view.performance),
            quality=RatioPublic.of(view.quality),
            run_ms=view.run_ms,
            unknown_ms=view.unknown_ms,
            good=view.good,
            scrap=view.scrap,
            flags=list(view.flags),
        )

    @classmethod
    def maybe(cls, view: kviews.OeeView | None) -> OeePublic | None:
        """The public form, or None when there is no view (no shift running)."""
        return None if view is None else cls.of(view)


class MachineStatusPublic(_Public):
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


class LineStatusPublic(_Public):
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


class PlantPublic(_Public):
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


class StateSpanPublic(_Public):
    """A state interval on the timeline."""

    start: datetime
    end: datetime
    state: StateClass
    reason: str | None


class SeriesPointPublic(_Public):
    """One sensor value."""

    ts: datetime
    value: float


class SignalSeriesPublic(_Public):
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


class ShiftOeePublic(_Public):
    """OEE of one shift instance."""

    key: str
    shift_id: str
    start: datetime
    end: datetime
    oee: OeePublic


class CountPublic(_Public):
    """Good and scrap units counted in one bucket of the window."""

    ts: datetime
    good: int
    scrap: int


class ReasonDurationPublic(_Public):
    """Downtime for one reason in the window."""

    reason: str
    label: TextPublic | None
    ms: int


class MachineDetailPublic(_Public):
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


class DeadLetterPublic(_Public):
    """A rejected record."""

    id: int
    source: str
    received_at: datetime
    reason_code: str
    detail: str
    payload: str


class DeadLetterPagePublic(_Public):
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


class ErrorBody(_Public):
    """What went wrong, by stable code, with a message in the request's language."""

    code: str
    message: str
    details: dict[str, Any]


class ErrorPublic(_Public):
    """The JSON body of every API error."""

    error: ErrorBody
