"""The signed shift report: counts, KPIs, the biggest losses and energy of one shift."""

from __future__ import annotations

import zoneinfo
from datetime import date, timedelta
from fractions import Fraction

from pabrik.kpi.account import TimeAccount
from pabrik.kpi.cost import energy_cost
from pabrik.kpi.oee import oee
from pabrik.model.calendar import instance_on, shift_instances
from pabrik.model.errors import NotFoundError
from pabrik.model.fields import Text
from pabrik.model.site import Machine, Plant
from pabrik.model.windows import Window, WindowName
from pabrik.runtime.kpi.engine import KpiEngine
from pabrik.runtime.kpi.loss_report import pareto
from pabrik.runtime.kpi.measure import measure
from pabrik.runtime.kpi.reports import context, kpi_values, report_flags
from pabrik.runtime.kpi.summary import oee_view
from pabrik.runtime.kpi.targets import cycle_target
from pabrik.runtime.kpi.views import MachineCounts, ShiftReport

SHIFT_KPIS = ["oee", "availability", "effectiveness", "quality_ratio", "mttr", "scrap_ratio"]
TOP_LOSSES = 5


def scope_name(plant: Plant, scope: str) -> Text:
    """The configured name of a machine, line or area, or the site's name for the plant."""
    if scope == "plant":
        return Text(id=plant.site.name)
    names: dict[str, Text] = {ln.id: ln.name for ln in plant.lines()}
    names.update({m.id: m.name for m in plant.machines()})
    names.update({a.id: a.name for a in plant.areas})
    return names.get(scope, Text(id=scope))


def shift_window(engine: KpiEngine, day: date, shift_id: str) -> tuple[Window, str, Text]:
    """The window of shift ``shift_id`` on production day ``day``, its key and name."""
    plant = engine.plant
    shift = next((s for s in plant.calendar.shifts if s.id == shift_id), None)
    if shift is None:
        raise NotFoundError(f"no shift '{shift_id}'", shift=shift_id[:64])
    zone = zoneinfo.ZoneInfo(plant.calendar.timezone)
    inst = instance_on(shift.model_copy(update={"days": list(shift.days) or []}), day, zone)
    if inst is None:
        raise NotFoundError(f"shift '{shift_id}' does not run on {day.isoformat()}", day=str(day))
    return Window(WindowName.SHIFT, inst.start, inst.end, engine.clock()), inst.key, shift.name


def shift_report(engine: KpiEngine, scope: str, day: date, shift_id: str) -> ShiftReport:
    """The signed shift report: counts, KPIs, top 5 losses with reasons, energy."""
    plant = engine.plant
    window, key, name = shift_window(engine, day, shift_id)
    m = measure(engine, scope, window)
    ctx = context(engine, m)
    kpis = kpi_values(engine, m, SHIFT_KPIS, ctx, strict=True)
    acc = m.total
    metered = all(x.energy_signal for x in m.machines)
    kwh = Fraction(acc.extras.energy_wh, 1000) if metered else None
    return ShiftReport(
        site_name=plant.site.name,
        scope=scope,
        scope_name=scope_name(plant, scope),
        shift_key=key,
        shift_name=name,
        production_day=day,
        start=window.start,
        end=window.end,
        timezone=plant.calendar.timezone,
        machines=[_counts(x, m.parts[x.id]) for x in m.machines],
        summary=oee_view(plant, m),
        kpis=kpis,
        top_losses=pareto(plant, acc)[:TOP_LOSSES],
        energy_kwh=kwh,
        sec_kwh_per_unit=kwh / acc.elements.pq if kwh is not None and acc.elements.pq else None,
        energy_cost_idr=energy_cost(acc.extras.energy_wh, plant.costs.energy_per_kwh_idr)
        if metered
        else None,
        flags=report_flags(m, kpis),
        generated_at=engine.clock(),
    )


def _counts(m: Machine, acc: TimeAccount) -> MachineCounts:
    e = acc.elements
    kwh = Fraction(acc.extras.energy_wh, 1000) if m.energy_signal else None
    return MachineCounts(m.id, m.name, e.gq, e.sq, e.rq, oee(e).oee, kwh, cycle_target(e, m))


def latest_shift(engine: KpiEngine) -> tuple[date, str]:
    """The production day and id of the last shift that has ended."""
    now = engine.clock()
    insts = [
        i
        for i in shift_instances(engine.plant.calendar, now - timedelta(days=3), now)
        if i.end <= now
    ]
    if not insts:
        raise NotFoundError("no finished shift in the last three days")
    last = insts[-1]
    return last.production_day, last.shift_id
