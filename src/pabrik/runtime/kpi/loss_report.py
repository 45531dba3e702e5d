"""Losses and their cost: the downtime Pareto, the six big losses and rupiah per line.

The rule for a line (docs/kpi.md): lost time is machine-hours summed over the line's
machines, the same figures as the losses page, priced at the line's downtime rate per
line-hour divided by its machines. Energy is a cost shown apart; only wasted energy (drawn
outside production time, and scrap's share of the rest) is a loss.
"""

from __future__ import annotations

from fractions import Fraction

from pabrik.kpi.account import TimeAccount, sum_accounts
from pabrik.kpi.cost import energy_cost, oee_point_worth, time_costs
from pabrik.kpi.energy import wasted_energy_wh
from pabrik.kpi.losses import six_big_losses
from pabrik.kpi.oee import oee
from pabrik.model.site import Line, Plant
from pabrik.model.windows import Window
from pabrik.runtime.kpi.engine import KpiEngine
from pabrik.runtime.kpi.measure import measure
from pabrik.runtime.kpi.summary import oee_view
from pabrik.runtime.kpi.views import CostItem, LineCost, LossReport, ParetoItem


def pareto(plant: Plant, acc: TimeAccount) -> list[ParetoItem]:
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
        reason = plant.reason(code)
        out.append(
            ParetoItem(
                code, state, reason.name if reason else None, ms, ms / total, running / total
            )
        )
    return out


def _energy(plant: Plant, line: Line, acc: TimeAccount) -> tuple[Fraction | None, Fraction | None]:
    if not all(m.energy_signal for m in line.machines):
        return None, None
    kwh = Fraction(acc.extras.energy_wh, 1000)
    return kwh, energy_cost(acc.extras.energy_wh, plant.costs.energy_per_kwh_idr)


def line_cost(plant: Plant, line: Line, acc: TimeAccount, *, whole: bool = True) -> LineCost:
    """The cost of one line's losses (or its machines' in scope), in machine-hours and rupiah."""
    n = len(line.machines)
    rate = line.downtime_cost_per_hour_idr
    losses = {k.value: v for k, v in six_big_losses(acc).items()}
    items = [CostItem(c.key, float(c.quantity), c.unit, c.idr) for c in time_costs(losses, n, rate)]
    if acc.extras.scrap_cost_idr:
        items.append(CostItem("scrap", float(acc.elements.sq), "units", acc.extras.scrap_cost_idr))
    wasted = wasted_energy_wh(acc)
    if wasted > 0:
        idr = wasted / 1000 * Fraction(plant.costs.energy_per_kwh_idr)
        items.append(CostItem("wasted_energy", float(wasted / 1000), "kWh", idr))
    kwh, energy_idr = _energy(plant, line, acc)
    return LineCost(
        line_id=line.id,
        name=line.name,
        machines=n,
        rate_per_hour=Fraction(rate),
        oee=oee(acc.elements).oee,
        items=items,
        total_idr=sum((i.idr for i in items), Fraction(0)),
        oee_point_idr=oee_point_worth(acc.elements.pbt, n, rate),
        energy_kwh=kwh,
        energy_idr=energy_idr,
        whole=whole,
    )


def loss_report(engine: KpiEngine, scope: str, window: Window) -> LossReport:
    """The scope's figures, loss Pareto, six big losses and cost per line over a window."""
    plant = engine.plant
    m = measure(engine, scope, window)
    lines = []
    for line in plant.lines():
        mine = [m.parts[x.id] for x in line.machines if x.id in m.parts]
        if mine:
            whole = len(mine) == len(line.machines)
            lines.append(line_cost(plant, line, sum_accounts(mine), whole=whole))
    energies = [ln.energy_idr for ln in lines]
    return LossReport(
        scope=scope,
        summary=oee_view(plant, m),
        pareto=pareto(plant, m.total),
        big_losses={k.value: round(v) for k, v in six_big_losses(m.total).items()},
        lines=lines,
        total_idr=sum((ln.total_idr for ln in lines), Fraction(0)),
        energy_idr=None
        if not energies or None in energies
        else sum((e or Fraction(0) for e in energies), Fraction(0)),
    )
