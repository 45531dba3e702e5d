"""Plant, line and machine views for the dashboard, the API and the CLI."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from pabrik.kpi.losses import loss_breakdown
from pabrik.model.calendar import Interval, shift_instances
from pabrik.model.errors import NotFoundError
from pabrik.model.records import CountRecord, StateRecord
from pabrik.model.site import Machine, Plant
from pabrik.model.states import StateClass
from pabrik.model.windows import Window, WindowName, named_window
from pabrik.runtime.kpi.engine import KpiEngine
from pabrik.runtime.kpi.measure import Measurement, measure, measure_windows
from pabrik.runtime.kpi.summary import loss_view, oee_view, scope_oee
from pabrik.runtime.kpi.views import OeeView
from pabrik.runtime.plant.views import (
    LineStatus,
    MachineDetail,
    MachineLive,
    MachineStatus,
    PlantOverview,
    ReasonDuration,
    SeriesPoint,
    ShiftOee,
    SignalSeries,
    StateSpan,
)
from pabrik.storage.store import Store

TREND_DAYS = 7
MAX_POINTS = 600


def _current_state(engine: KpiEngine, machine: Machine, now: datetime) -> StateRecord | None:
    prior = engine.store.states(machine.id, now, now)
    before = [s for s in prior if s.ts <= now]
    return before[-1] if before else None


def _status(
    engine: KpiEngine, machine: Machine, line_id: str, shift: OeeView, day: OeeView, now: datetime
) -> MachineStatus:
    state = _current_state(engine, machine, now)
    reason = engine.plant.reason(state.reason) if state and state.reason else None
    return MachineStatus(
        id=machine.id,
        name=machine.name,
        line_id=line_id,
        state=state.state if state else StateClass.UNKNOWN,
        reason=state.reason if state else None,
        reason_label=reason.name if reason else None,
        since=state.ts if state else None,
        oee_shift=shift,
        oee_today=day,
        top_loss=day.top_loss,
        good_today=day.good,
        scrap_today=day.scrap,
    )


def _shift_key(plant: Plant, shift: Window) -> str | None:
    found = shift_instances(plant.calendar, shift.start, shift.end)
    return next((i.key for i in found if i.start == shift.start), None)


def _views(engine: KpiEngine, scopes: list[str], *windows: Window) -> list[dict[str, OeeView]]:
    found = measure_windows(engine, scopes, windows)
    return [{scope: oee_view(engine.plant, m) for scope, m in each.items()} for each in found]


def overview(engine: KpiEngine, now: datetime) -> PlantOverview:
    """Every line and machine with state, this shift's and today's OEE, and top loss."""
    plant = engine.plant
    shift = named_window(plant.calendar, WindowName.SHIFT, now)
    today = named_window(plant.calendar, WindowName.DAY, now)
    scopes = [m.id for m in plant.machines()] + [ln.id for ln in plant.lines()] + ["plant"]
    # Computed here, not reused per window: the overview is itself a reused view (app.py).
    s, d = _views(engine, scopes, shift, today)
    lines = [
        LineStatus(
            id=line.id,
            name=line.name,
            machines=[_status(engine, m, line.id, s[m.id], d[m.id], now) for m in line.machines],
            oee_shift=s[line.id],
            oee_today=d[line.id],
        )
        for line in plant.lines()
    ]
    return PlantOverview(
        site_name=plant.site.name,
        now=now,
        timezone=plant.calendar.timezone,
        shift_key=_shift_key(plant, shift),
        shift_start=shift.start,
        shift_end=shift.end,
        lines=lines,
        oee_shift=s["plant"],
        oee_today=d["plant"],
        dead_letters=engine.store.dead_letter_count(),
    )


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


def signal_series(
    store: Store, machine_id: str, signal_id: str, window: Interval
) -> list[SeriesPoint]:
    """A signal's raw points, or its mean over MAX_POINTS equal slices when it has more."""
    # The store averages in SQL, so a page never turns a day of raw rows into Python objects.
    slices = store.sample_buckets(machine_id, signal_id, window.start, window.end, MAX_POINTS)
    if sum(b.count for b in slices) <= MAX_POINTS:
        raw = store.samples(machine_id, signal_id, window.start, window.end)
        return [SeriesPoint(s.ts, s.value) for s in raw]
    step = window.duration / MAX_POINTS
    return [SeriesPoint(window.start + step * b.index, b.mean) for b in slices]


def _shift_trend(engine: KpiEngine, machine: Machine, now: datetime) -> list[ShiftOee]:
    start = now - timedelta(days=TREND_DAYS)
    trend: list[ShiftOee] = []
    for inst in shift_instances(engine.plant.calendar, start, now):
        window = Window(WindowName.SHIFT, inst.start, inst.end, now)
        view = scope_oee(engine, machine.id, window)
        trend.append(ShiftOee(inst.key, inst.shift_id, inst.start, inst.end, view))
    return trend


def _machine(engine: KpiEngine, machine_id: str) -> Machine:
    machine = engine.plant.machine(machine_id)
    if machine is None:
        raise NotFoundError(f"machine '{machine_id}' not found", machine_id=machine_id)
    return machine


def _live(
    engine: KpiEngine, machine: Machine, win: Window, now: datetime
) -> tuple[MachineLive, Measurement]:
    """A machine's live numbers, and the window's measurement they come from."""
    plant = engine.plant
    shift = named_window(plant.calendar, WindowName.SHIFT, now)
    today = named_window(plant.calendar, WindowName.DAY, now)
    line = plant.line_of(machine.id)
    status = _status(
        engine,
        machine,
        line.id if line else "",
        scope_oee(engine, machine.id, shift),
        scope_oee(engine, machine.id, today),
        now,
    )
    m = measure(engine, machine.id, win)
    reasons = sorted(m.total.downtime_by_reason().items(), key=lambda kv: -kv[1])
    durations = [
        ReasonDuration(
            code or "unexplained",
            (r.name if (r := plant.reason(code)) else None) if code else None,
            ms,
        )
        for code, ms in reasons
    ]
    return MachineLive(status, win.name.value, durations, oee_view(plant, m)), m


def machine_live(engine: KpiEngine, machine_id: str, window: str, now: datetime) -> MachineLive:
    """What a machine page's 5 s poll shows: state, the window's OEE and downtime reasons."""
    machine = _machine(engine, machine_id)
    return _live(engine, machine, named_window(engine.plant.calendar, window, now), now)[0]


def machine_detail(engine: KpiEngine, machine_id: str, window: str, now: datetime) -> MachineDetail:
    """A machine's timeline, shift trend, counts, sensors and downtime for a named window."""
    plant = engine.plant
    machine = _machine(engine, machine_id)
    win = named_window(plant.calendar, window, now)
    live, m = _live(engine, machine, win, now)
    shown = Interval(win.start, win.measured_end)
    store = engine.store
    return MachineDetail(
        status=live.status,
        window=live.window,
        window_start=win.start,
        window_end=win.end,
        timeline=_timeline(store.states(machine.id, shown.start, shown.end), shown),
        shifts=_shift_trend(engine, machine, now),
        counts=_bucketed_counts(store.counts(machine.id, shown.start, shown.end), shown),
        signals=[
            SignalSeries(
                s.id,
                s.name,
                s.unit,
                s.low,
                s.high,
                signal_series(store, machine.id, s.id, shown),
            )
            for s in machine.signals
        ],
        reasons=live.reasons,
        oee=live.oee,
        losses=[loss_view(plant, loss) for loss in loss_breakdown(m.total)],
    )
