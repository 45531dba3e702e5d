"""KPI use cases: a scope's KPIs, the loss Pareto and its cost, shift reports, energy."""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, time, timedelta
from fractions import Fraction
from typing import TYPE_CHECKING

from pabrik.kpi.account import TimeAccount
from pabrik.kpi.capability import Capability, capability
from pabrik.kpi.catalogue import KpiContext, KpiValue, MissingDataError, evaluate
from pabrik.kpi.cost import energy_cost, oee_point_worth, time_costs
from pabrik.kpi.energy import BaselineError, enpi_of, fit_baseline
from pabrik.kpi.losses import six_big_losses
from pabrik.model.calendar import instance_on
from pabrik.model.errors import InvalidRequestError, NotFoundError
from pabrik.model.site import Machine, Text
from pabrik.model.states import Quality
from pabrik.runtime.kpi.engine import KpiEngine, engine_for
from pabrik.runtime.kpi.views import (
    CostItem,
    EnergyDay,
    EnergyReport,
    KpiReport,
    KpiValueView,
    LineCost,
    LossReport,
    MachineCounts,
    ParetoItem,
    ShiftReport,
)

if TYPE_CHECKING:
    from pabrik.runtime.app import Runtime

SHIFT_KPIS = ("oee", "availability", "effectiveness", "quality_ratio", "mttr", "scrap_ratio")
TOP_LOSSES = 5
MAX_WINDOW = timedelta(days=400)


def check_window(start: datetime, end: datetime) -> None:
    """Aware datetimes, end after start, at most about a year and a month."""
    if start.tzinfo is None or end.tzinfo is None:
        raise InvalidRequestError("window times need a UTC offset", reason="naive_datetime")
    if end <= start:
        raise InvalidRequestError(
            "'to' must be after 'from'",
            reason="window_order",
            start=start.isoformat(),
            end=end.isoformat(),
        )
    if end - start > MAX_WINDOW:
        raise InvalidRequestError(
            "the window is longer than 400 days", reason="window_too_long", start=start.isoformat()
        )


def _view(engine: KpiEngine, v: KpiValue) -> KpiValueView:
    d = engine.catalogue.get(v.id)
    return KpiValueView(
        id=v.id,
        name=Text(id=d.name_id, en=d.name_en),
        value=v.value,
        unit=v.unit,
        formula=d.formula,
        trend=d.trend,
        missing=v.missing,
        flags=v.flags,
        capped=v.capped,
        iso=d.iso,
    )


def _capability(
    rt: Runtime, machines: list[Machine], signal: str | None, start: datetime, end: datetime
) -> Capability | None:
    if signal is None:
        return None
    if len(machines) != 1:
        raise InvalidRequestError(
            "capability indices need one machine as scope", reason="missing_data", signal=signal
        )
    m = machines[0]
    sig = next((s for s in m.signals if s.id == signal), None)
    if sig is None:
        raise NotFoundError(f"machine '{m.id}' has no signal '{signal}'", signal=signal[:64])
    if sig.lsl is None or sig.usl is None:
        return None
    samples = rt.store.samples(m.id, sig.id, start, end)
    values = [s.value for s in samples if s.quality is Quality.GOOD]
    return capability(values, sig.lsl, sig.usl)


def context(
    rt: Runtime,
    machines: list[Machine],
    acc: TimeAccount,
    parts: dict[str, TimeAccount],
    start: datetime,
    end: datetime,
    signal: str | None = None,
) -> KpiContext:
    """What the KPI formulas may draw on for a scope."""
    engine = engine_for(rt)
    caps = [m.rated_capacity_per_hour for m in machines]
    epc = None
    if all(c is not None for c in caps):
        epc = sum(
            (
                Fraction(m.rated_capacity_per_hour or 0) * parts[m.id].elements.pot / 3_600_000
                for m in machines
            ),
            Fraction(0),
        )
    return KpiContext(
        account=acc,
        calendar_ms=int((end - start) / timedelta(milliseconds=1)) * len(machines),
        has_orders=any(engine.orders(m.id) for m in machines) or acc.order_data,
        has_energy_meter=all(m.energy_signal for m in machines),
        has_preventive_reasons=bool(engine.rules.preventive_reasons),
        epc=epc,
        capability=_capability(rt, machines, signal, start, end),
        signal=signal,
    )


def _flags(acc: TimeAccount, values: list[KpiValueView]) -> tuple[str, ...]:
    flags = set()
    if acc.elements.unknown > 0:
        flags.add("unknown_time")
    if not acc.order_data:
        flags.add("machine_state_reading")
    if acc.elements.apt == 0 and acc.elements.pq > 0:
        flags.add("units_without_production_time")
    for v in values:
        if v.id == "effectiveness" and "above_one" in v.flags:
            flags.add("performance_above_one")
    return tuple(sorted(flags))


def _elements(acc: TimeAccount) -> dict[str, int | str]:
    e, x = acc.elements, acc.extras
    return {
        "pot_ms": e.pot, "pdot_ms": e.pdot, "pbt_ms": e.pbt, "apt_ms": e.apt,
        "aust_ms": e.aust, "adet_ms": e.adet, "adot_ms": e.adot, "unknown_ms": e.unknown,
        "aupt_ms": e.aupt, "aubt_ms": e.aubt, "micro_stop_ms": acc.micro_stop_time_ms,
        "pq": e.pq, "gq": e.gq, "sq": e.sq, "rq": e.rq,
        "ideal_ms": _exact(e.ideal_ms), "ideal_good_ms": _exact(e.ideal_good_ms),
        "fe": x.fe, "cmt_ms": x.cmt, "pmt_ms": x.pmt, "aoet_ms": x.aoet,
        "psq": _exact(x.psq), "energy_wh": x.energy_wh, "scrap_cost_idr": _exact(x.scrap_cost_idr),
    }  # fmt: skip


def _exact(f: Fraction) -> int | str:
    return f.numerator if f.denominator == 1 else f"{f.numerator}/{f.denominator}"


def kpi_report(
    rt: Runtime,
    scope: str,
    start: datetime,
    end: datetime,
    kpis: list[str] | None = None,
    signal: str | None = None,
) -> KpiReport:
    """KPIs of a scope over [start, end): the ones asked for, or every one the data supports."""
    check_window(start, end)
    engine = engine_for(rt)
    machines = engine.machines(scope)
    ids = kpis or []
    for i in ids:
        engine.catalogue.get(i)
    parts = engine.accounts(machines, start, end, detail=False)
    acc = _total(parts)
    ctx = context(rt, machines, acc, parts, start, end, signal)
    chosen = ids or list(engine.catalogue.definitions)
    values = []
    for kpi_id in chosen:
        try:
            values.append(_view(engine, evaluate(engine.catalogue.get(kpi_id), ctx)))
        except MissingDataError:
            if ids:
                raise
    r = engine.rules
    return KpiReport(
        scope=scope,
        start=start,
        end=end,
        machines=tuple(m.id for m in machines),
        values=values,
        elements=_elements(acc),
        rules={
            "micro_stop_ms": r.micro_stop_ms,
            "debounce_ms": r.debounce_ms,
            "count_period_ms": r.count_period_ms,
            "reading": "order" if acc.order_data else "machine_state",
        },
        flags=_flags(acc, values),
        catalogue_version=engine.catalogue.version,
    )


def _total(parts: dict[str, TimeAccount]) -> TimeAccount:
    items = list(parts.values())
    total = items[0]
    for p in items[1:]:
        total += p
    return total


def pareto(rt: Runtime, acc: TimeAccount) -> list[ParetoItem]:
    """Availability losses by reason code, largest first, with running shares."""
    merged: dict[tuple[str, str], int] = {}
    for key, ms in acc.downtime_ms.items():
        code = key.reason or "unexplained"
        merged[(code, key.state.value)] = merged.get((code, key.state.value), 0) + ms
    ordered = sorted(merged.items(), key=lambda kv: (-kv[1], kv[0]))
    total = sum(ms for _, ms in ordered) or 1
    out, running = [], 0
    for (code, state), ms in ordered:
        if ms <= 0:
            continue
        running += ms
        reason = rt.plant.reason(code)
        out.append(
            ParetoItem(
                code, state, reason.name if reason else None, ms, ms / total, running / total
            )
        )
    return out


def loss_report(rt: Runtime, scope: str, start: datetime, end: datetime) -> LossReport:
    """The loss Pareto, the six big losses and their cost per line over a window."""
    check_window(start, end)
    engine = engine_for(rt)
    machines = engine.machines(scope)
    parts = engine.accounts(machines, start, end)
    acc = _total(parts)
    lines = []
    for line in rt.plant.lines():
        mine = [parts[m.id] for m in line.machines if m.id in parts]
        if mine:
            lines.append(_line_cost(rt, line.id, line.name, _total_list(mine)))
    return LossReport(
        scope=scope,
        start=start,
        end=end,
        pareto=pareto(rt, acc),
        big_losses={k.value: round(v) for k, v in six_big_losses(acc).items()},
        lines=lines,
        total_idr=sum((ln.total_idr for ln in lines), Fraction(0)),
    )


def _total_list(items: list[TimeAccount]) -> TimeAccount:
    total = items[0]
    for p in items[1:]:
        total += p
    return total


def _line_cost(rt: Runtime, line_id: str, name: Text, acc: TimeAccount) -> LineCost:
    line = next(ln for ln in rt.plant.lines() if ln.id == line_id)
    n = len(line.machines)
    rate = line.downtime_cost_per_hour_idr
    losses = {k.value: v for k, v in six_big_losses(acc).items() if k.value != "unknown"}
    items = [CostItem(c.key, float(c.quantity), c.unit, c.idr) for c in time_costs(losses, n, rate)]
    if acc.extras.scrap_cost_idr:
        items.append(CostItem("scrap", float(acc.elements.sq), "units", acc.extras.scrap_cost_idr))
    if acc.extras.energy_wh:
        kwh = Fraction(acc.extras.energy_wh, 1000)
        items.append(
            CostItem(
                "energy",
                float(kwh),
                "kWh",
                energy_cost(acc.extras.energy_wh, rt.plant.costs.energy_per_kwh_idr),
            )
        )
    ctx_oee = evaluate(engine_for(rt).catalogue.get("oee"), KpiContext(acc, 1))
    oee_value = ctx_oee.value if isinstance(ctx_oee.value, Fraction) else None
    return LineCost(
        line_id=line_id,
        name=name,
        machines=n,
        rate_per_hour=Fraction(rate),
        oee=oee_value,
        items=items,
        total_idr=sum((i.idr for i in items), Fraction(0)),
        oee_point_idr=oee_point_worth(acc.elements.pbt, n, rate),
    )


def _scope_name(rt: Runtime, scope: str) -> Text:
    if scope == "plant":
        return Text(id=rt.plant.site.name)
    names: dict[str, Text] = {ln.id: ln.name for ln in rt.plant.lines()}
    names.update({m.id: m.name for m in rt.plant.machines()})
    names.update({a.id: a.name for a in rt.plant.areas})
    return names.get(scope, Text(id=scope))


def shift_report(rt: Runtime, scope: str, day: date, shift_id: str) -> ShiftReport:
    """The signed shift report: counts, KPIs, top 5 losses with reasons, energy."""
    engine = engine_for(rt)
    machines = engine.machines(scope)
    shift = next((s for s in rt.plant.calendar.shifts if s.id == shift_id), None)
    if shift is None:
        raise NotFoundError(f"no shift '{shift_id}'", shift=shift_id[:64])
    zone = zoneinfo.ZoneInfo(rt.plant.calendar.timezone)
    inst = instance_on(shift.model_copy(update={"days": list(shift.days) or []}), day, zone)
    if inst is None:
        raise NotFoundError(f"shift '{shift_id}' does not run on {day.isoformat()}", day=str(day))
    parts = engine.accounts(machines, inst.start, inst.end)
    acc = _total(parts)
    ctx = context(rt, machines, acc, parts, inst.start, inst.end)
    kpis = [_view(engine, evaluate(engine.catalogue.get(k), ctx)) for k in SHIFT_KPIS]
    metered = all(m.energy_signal for m in machines)
    kwh = Fraction(acc.extras.energy_wh, 1000) if metered else None
    return ShiftReport(
        site_name=rt.plant.site.name,
        scope=scope,
        scope_name=_scope_name(rt, scope),
        shift_key=inst.key,
        shift_name=shift.name,
        production_day=day,
        start=inst.start,
        end=inst.end,
        timezone=rt.plant.calendar.timezone,
        machines=[_counts(m, parts[m.id]) for m in machines],
        kpis=kpis,
        top_losses=pareto(rt, acc)[:TOP_LOSSES],
        energy_kwh=kwh,
        sec_kwh_per_unit=kwh / acc.elements.pq if kwh is not None and acc.elements.pq else None,
        energy_cost_idr=energy_cost(acc.extras.energy_wh, rt.plant.costs.energy_per_kwh_idr)
        if metered
        else None,
        flags=_flags(acc, kpis),
        generated_at=rt.now(),
    )


def _counts(m: Machine, acc: TimeAccount) -> MachineCounts:
    e = acc.elements
    o = evaluate_oee(acc)
    return MachineCounts(
        m.id,
        m.name,
        e.gq,
        e.sq,
        e.rq,
        o,
        Fraction(acc.extras.energy_wh, 1000) if m.energy_signal else None,
    )


def evaluate_oee(acc: TimeAccount) -> Fraction | None:
    """The OEE of an account as an exact fraction, or None."""
    from pabrik.kpi.oee import oee

    return oee(acc.elements).oee


def latest_shift(rt: Runtime) -> tuple[date, str]:
    """The production day and id of the last shift that has ended."""
    from pabrik.model.calendar import shift_instances

    now = rt.now()
    insts = [
        i for i in shift_instances(rt.plant.calendar, now - timedelta(days=3), now) if i.end <= now
    ]
    if not insts:
        raise NotFoundError("no finished shift in the last three days")
    last = insts[-1]
    return last.production_day, last.shift_id


def _days(rt: Runtime, start: date, end: date) -> list[tuple[date, datetime, datetime]]:
    zone = zoneinfo.ZoneInfo(rt.plant.calendar.timezone)
    out = []
    day = start
    while day < end:
        lo = datetime.combine(day, time(0), tzinfo=zone)
        hi = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
        out.append((day, lo, hi))
        day += timedelta(days=1)
    return out


def energy_report(
    rt: Runtime, scope: str, reference: tuple[date, date], period: tuple[date, date]
) -> EnergyReport:
    """Fit E = a + b x production per day over ``reference``, then judge ``period`` days."""
    engine = engine_for(rt)
    machines = engine.machines(scope)
    missing = [m.id for m in machines if not m.energy_signal]
    if missing:
        raise MissingDataError(
            "energy baseline", "energy_meter", f"an energy meter on {', '.join(missing)}"
        )

    def day_points(span: tuple[date, date]) -> list[EnergyDay]:
        points = []
        for day, lo, hi in _days(rt, *span):
            acc = _total(engine.accounts(machines, lo, hi))
            points.append(EnergyDay(day, acc.elements.pq, Fraction(acc.extras.energy_wh, 1000)))
        return points

    ref = day_points(reference)
    try:
        base = fit_baseline([(p.production, p.actual_kwh) for p in ref])
    except BaselineError as err:
        raise InvalidRequestError(str(err), reason="missing_data") from err
    rep = [
        EnergyDay(p.day, p.production, p.actual_kwh, base.expected(p.production))
        for p in day_points(period)
    ]
    # Expected energy is a + b x P per day, so a period expects n x a + b x its production.
    actual = sum((p.actual_kwh for p in rep), Fraction(0))
    expected = sum((p.expected_kwh or Fraction(0) for p in rep), Fraction(0))
    result = enpi_of(expected, actual)
    return EnergyReport(
        scope=scope,
        intercept_kwh=base.intercept,
        slope_kwh_per_unit=base.slope,
        r_squared=base.r_squared,
        reference=ref,
        report=rep,
        actual_kwh=actual,
        expected_kwh=expected,
        savings_kwh=result.savings_kwh,
        enpi=result.index,
    )
