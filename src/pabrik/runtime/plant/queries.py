"""Plant, line and machine KPIs for the dashboard, the API and the CLI."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from pabrik.kpi.losses import Loss, LossKind, loss_breakdown
from pabrik.kpi.oee import Oee
from pabrik.kpi.oee import oee as compute_oee
from pabrik.kpi.timemodel import TimeAccount
from pabrik.model.calendar import (
    Interval,
    ShiftInstance,
    active_shift,
    production_day_start,
    shift_instances,
)
from pabrik.model.errors import InvalidRequestError, NotFoundError
from pabrik.model.records import CountRecord, SampleRecord, StateRecord
from pabrik.model.site import Machine, Plant
from pabrik.model.states import StateClass
from pabrik.runtime.kpi.engine import engine_for
from pabrik.runtime.plant.views import (
    LineStatus,
    LossView,
    MachineDetail,
    MachineStatus,
    OeeView,
    PlantOverview,
    Ratio,
    ReasonDuration,
    SeriesPoint,
    ShiftOee,
    SignalSeries,
    StateSpan,
)

if TYPE_CHECKING:
    from pabrik.runtime.app import Runtime

WINDOWS = ("shift", "day", "7d")
TREND_DAYS = 7
MAX_POINTS = 600


def _micro_stop_ms(plant: Plant) -> int:
    return round(plant.limits.micro_stop_s * 1000)


def machine_account(rt: Runtime, machine: Machine, start: datetime, end: datetime) -> TimeAccount:
    """The ISO 22400 time account of one machine over [start, end)."""
    return engine_for(rt).account(machine, start, end)


def _account(
    rt: Runtime, machine: Machine, start: datetime, end: datetime, shifts: Sequence[ShiftInstance]
) -> TimeAccount:
    # The KPI engine applies the line's calendar, holidays, the plant's time rules and the
    # rollups; ``shifts`` is kept for the callers and already agrees with its calendar.
    del shifts
    return engine_for(rt).account(machine, start, end)


def _sum(accounts: Sequence[TimeAccount]) -> TimeAccount:
    total = accounts[0]
    for acc in accounts[1:]:
        total += acc
    return total


def oee_view(scope: str, start: datetime, end: datetime, result: Oee) -> OeeView:
    """Turn the core's OEE result into the read model."""

    def ratio(name: str, value: object) -> Ratio:
        missing = result.missing.get(name)
        return Ratio(value, None if missing is None else missing.value)  # type: ignore[arg-type]

    e = result.elements
    return OeeView(
        scope=scope,
        start=start,
        end=end,
        availability=ratio("availability", result.availability),
        performance=ratio("performance", result.performance),
        quality=ratio("quality", result.quality),
        oee=ratio("oee", result.oee),
        planned_ms=e.pbt,
        run_ms=e.apt,
        unknown_ms=e.unknown,
        good=e.gq,
        scrap=e.sq,
        flags=tuple(sorted(f.value for f in result.flags)),
    )


def scope_machines(plant: Plant, scope: str) -> list[Machine]:
    """The machines of a scope: a machine id, a line id, or ``plant``."""
    if scope == "plant":
        return plant.machines()
    machine = plant.machine(scope)
    if machine is not None:
        return [machine]
    line = next((ln for ln in plant.lines() if ln.id == scope), None)
    if line is None:
        raise NotFoundError(f"no machine or line '{scope}'", scope=scope)
    return list(line.machines)


def oee(rt: Runtime, scope: str, start: datetime, end: datetime) -> OeeView:
    """OEE of a scope over [start, end), from summed elements."""
    if start.tzinfo is None or end.tzinfo is None:
        raise InvalidRequestError("window times need a UTC offset", start=str(start))
    if end <= start:
        raise InvalidRequestError(
            "the window must end after it starts", start=start.isoformat(), end=end.isoformat()
        )
    machines = scope_machines(rt.plant, scope)
    shifts = list(shift_instances(rt.plant.calendar, start, end))
    total = _sum([_account(rt, m, start, end, shifts) for m in machines])
    return oee_view(scope, start, end, _oee(total))


def _oee(acc: TimeAccount) -> Oee:
    return compute_oee(acc.elements)


def _loss_view(plant: Plant, loss: Loss) -> LossView:
    if loss.kind is LossKind.AVAILABILITY:
        code = loss.reason or (loss.state.value if loss.state else "unexplained")
        reason = plant.reason(code)
        return LossView(code, loss.kind.value, round(loss.ms), reason.name if reason else None)
    return LossView(loss.kind.value, loss.kind.value, round(loss.ms))


def _windows(rt: Runtime, now: datetime) -> tuple[ShiftInstance | None, Interval]:
    shift = active_shift(rt.plant.calendar, now)
    return shift, Interval(production_day_start(rt.plant.calendar, now), now)


def _current_state(rt: Runtime, machine: Machine, now: datetime) -> StateRecord | None:
    prior = rt.store.states(machine.id, now, now)
    before = [s for s in prior if s.ts <= now]
    return before[-1] if before else None


def _status(
    rt: Runtime,
    machine: Machine,
    line_id: str,
    now: datetime,
    shift: ShiftInstance | None,
    today: Interval,
) -> tuple[MachineStatus, TimeAccount | None, TimeAccount]:
    state = _current_state(rt, machine, now)
    shift_acc = machine_account(rt, machine, shift.start, now) if shift else None
    day_acc = machine_account(rt, machine, today.start, today.end)
    losses = loss_breakdown(day_acc)
    reason = rt.plant.reason(state.reason) if state and state.reason else None
    status = MachineStatus(
        id=machine.id,
        name=machine.name,
        line_id=line_id,
        state=state.state if state else StateClass.UNKNOWN,
        reason=state.reason if state else None,
        reason_label=reason.name if reason else None,
        since=state.ts if state else None,
        oee_shift=oee_view(machine.id, shift.start, now, _oee(shift_acc))
        if shift and shift_acc
        else None,
        oee_today=oee_view(machine.id, today.start, today.end, _oee(day_acc)),
        top_loss=_loss_view(rt.plant, losses[0]) if losses else None,
        good_today=day_acc.elements.gq,
        scrap_today=day_acc.elements.sq,
    )
    return status, shift_acc, day_acc


def overview(rt: Runtime, now: datetime) -> PlantOverview:
    """Every line and machine with state, shift and day OEE, and top loss."""
    shift, today = _windows(rt, now)
    lines: list[LineStatus] = []
    plant_shift: list[TimeAccount] = []
    plant_day: list[TimeAccount] = []
    for line in rt.plant.lines():
        statuses, shift_accs, day_accs = [], [], []
        for machine in line.machines:
            status, s_acc, d_acc = _status(rt, machine, line.id, now, shift, today)
            statuses.append(status)
            day_accs.append(d_acc)
            if s_acc is not None:
                shift_accs.append(s_acc)
        plant_shift += shift_accs
        plant_day += day_accs
        lines.append(
            LineStatus(
                id=line.id,
                name=line.name,
                machines=statuses,
                oee_shift=oee_view(line.id, shift.start, now, _oee(_sum(shift_accs)))
                if shift and shift_accs
                else None,
                oee_today=oee_view(line.id, today.start, now, _oee(_sum(day_accs))),
            )
        )
    return PlantOverview(
        site_name=rt.plant.site.name,
        now=now,
        timezone=rt.plant.calendar.timezone,
        shift_key=shift.key if shift else None,
        shift_start=shift.start if shift else None,
        shift_end=shift.end if shift else None,
        lines=lines,
        oee_shift=oee_view("plant", shift.start, now, _oee(_sum(plant_shift)))
        if shift and plant_shift
        else None,
        oee_today=oee_view("plant", today.start, now, _oee(_sum(plant_day))),
        dead_letters=rt.store.dead_letter_count(),
    )


def _detail_window(rt: Runtime, window: str, now: datetime) -> Interval:
    if window not in WINDOWS:
        raise InvalidRequestError(f"window must be one of {', '.join(WINDOWS)}", window=window[:20])
    shift, today = _windows(rt, now)
    if window == "shift":
        return Interval(shift.start, now) if shift else Interval(now - timedelta(hours=8), now)
    if window == "day":
        return today
    return Interval(now - timedelta(days=7), now)


def _timeline(states: Sequence[StateRecord], window: Interval) -> list[StateSpan]:
    spans: list[StateSpan] = []
    for i, rec in enumerate(states):
        end = states[i + 1].ts if i + 1 < len(states) else window.end
        clipped = Interval(rec.ts, end).clip(window.start, window.end)
        if clipped is not None:
            spans.append(StateSpan(clipped.start, clipped.end, rec.state, rec.reason))
    return spans


def _bucket(window: Interval) -> timedelta:
    span = window.duration
    for step in (timedelta(minutes=5), timedelta(minutes=15), timedelta(hours=1)):
        if span / step <= MAX_POINTS // 2:
            return step
    return timedelta(hours=4)


def _bucketed_counts(
    counts: Sequence[CountRecord], window: Interval
) -> list[tuple[datetime, int, int]]:
    step = _bucket(window)
    buckets: dict[datetime, list[int]] = {}
    for c in counts:
        key = window.start + ((c.ts - window.start) // step) * step
        slot = buckets.setdefault(key, [0, 0])
        slot[0] += c.good
        slot[1] += c.scrap
    return [(k, v[0], v[1]) for k, v in sorted(buckets.items())]


def _downsample(samples: Sequence[SampleRecord], window: Interval) -> list[SeriesPoint]:
    if len(samples) <= MAX_POINTS:
        return [SeriesPoint(s.ts, s.value) for s in samples]
    step = window.duration / MAX_POINTS
    buckets: dict[int, list[float]] = {}
    for s in samples:
        buckets.setdefault(int((s.ts - window.start) / step), []).append(s.value)
    return [
        SeriesPoint(window.start + step * k, sum(v) / len(v)) for k, v in sorted(buckets.items())
    ]


def _shift_trend(rt: Runtime, machine: Machine, now: datetime) -> list[ShiftOee]:
    start = now - timedelta(days=TREND_DAYS)
    trend: list[ShiftOee] = []
    for inst in shift_instances(rt.plant.calendar, start, now):
        s, e = max(inst.start, start), min(inst.end, now)
        acc = _account(rt, machine, s, e, [inst])
        trend.append(
            ShiftOee(
                inst.key, inst.shift_id, inst.start, inst.end, oee_view(machine.id, s, e, _oee(acc))
            )
        )
    return trend


def machine_detail(rt: Runtime, machine_id: str, window: str, now: datetime) -> MachineDetail:
    """A machine's timeline, shift trend, counts, sensors and downtime for a window."""
    machine = rt.plant.machine(machine_id)
    if machine is None:
        raise NotFoundError(f"machine '{machine_id}' not found", machine_id=machine_id)
    win = _detail_window(rt, window, now)
    shift, today = _windows(rt, now)
    line = rt.plant.line_of(machine.id)
    status, _, _ = _status(rt, machine, line.id if line else "", now, shift, today)
    acc = machine_account(rt, machine, win.start, win.end)
    reasons = sorted(acc.downtime_by_reason().items(), key=lambda kv: -kv[1])
    return MachineDetail(
        status=status,
        window_start=win.start,
        window_end=win.end,
        timeline=_timeline(rt.store.states(machine.id, win.start, win.end), win),
        shifts=_shift_trend(rt, machine, now),
        counts=_bucketed_counts(rt.store.counts(machine.id, win.start, win.end), win),
        signals=[
            SignalSeries(
                s.id,
                s.name,
                s.unit,
                s.low,
                s.high,
                _downsample(rt.store.samples(machine.id, s.id, win.start, win.end), win),
            )
            for s in machine.signals
        ],
        reasons=[
            ReasonDuration(
                code or "unexplained",
                (r.name if (r := rt.plant.reason(code)) else None) if code else None,
                ms,
            )
            for code, ms in reasons
        ],
        oee=oee_view(machine.id, win.start, win.end, _oee(acc)),
        losses=[_loss_view(rt.plant, loss) for loss in loss_breakdown(acc)],
    )
