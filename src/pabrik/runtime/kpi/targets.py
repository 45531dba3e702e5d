"""Target against actual: per shift from ideal cycle time and planned time, per order from POQ.

One definition of a target, used by the terminal, the shift report and the targets page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

from pabrik.kpi.elements import Elements
from pabrik.model.fields import Text
from pabrik.model.records import from_epoch_ms
from pabrik.model.site import Machine
from pabrik.model.windows import Window, custom_window
from pabrik.runtime.kpi.engine import KpiEngine
from pabrik.runtime.kpi.measure import measure, measure_scopes

MAX_SHIFTS = 93
"""At most a month of three-shift days on the targets page."""


def cycle_target(e: Elements, machine: Machine, product_id: str | None = None) -> int:
    """Units the planned busy time allows at the ideal cycle time of what was made."""
    # The cycle time is the units' own (their ideal time over their number), or before
    # anything is made that of ``product_id``, else of the machine's default product.
    if e.pq and e.ideal_ms:
        return int(Fraction(e.pbt) * e.pq // e.ideal_ms)
    ideal_ms = Fraction(machine.product(product_id).ideal_cycle_time_s) * 1000
    return int(e.pbt // ideal_ms)


def ratio(actual: int, target: int) -> Fraction | None:
    """Actual over target, or None without a target."""
    return Fraction(actual, target) if target > 0 else None


@dataclass(frozen=True, slots=True)
class TargetRow:
    """One shift or order: what was to be made and what was made good."""

    key: str
    name: Text
    machine: Text | None
    start: datetime
    end: datetime
    target: int
    good: int
    scrap: int

    @property
    def attainment(self) -> Fraction | None:
        """Good units over the target."""
        return ratio(self.good, self.target)


def shift_targets(engine: KpiEngine, scope: str, window: Window) -> list[TargetRow]:
    """Each shift of the scope's machines that began in the window, with the summed target."""
    machines = engine.machines(scope)
    starts = {
        (i.start, i.end, i.key, i.shift_id)
        for m in machines
        for i in engine.shifts(m, window.start, window.end)
        if window.start <= i.start < window.measured_end
    }
    names = {s.id: s.name for s in engine.plant.calendar.shifts}
    rows: list[TargetRow] = []
    for start, end, key, shift_id in sorted(starts)[-MAX_SHIFTS:]:
        m = measure(engine, scope, custom_window(start, end, window.now))
        target = sum(cycle_target(m.parts[x.id].elements, x) for x in m.machines)
        e = m.total.elements
        if not e.known_pbt and not e.pq:
            continue  # nothing is known of this shift: no data yet
        name = names.get(shift_id, Text(id=shift_id))
        rows.append(TargetRow(key, name, None, start, end, target, e.gq, e.sq))
    return rows


def order_targets(engine: KpiEngine, scope: str, window: Window) -> list[TargetRow]:
    """Orders of the scope that overlap the window: planned quantity against good units so far."""
    rows: list[TargetRow] = []
    for machine in engine.machines(scope):
        for o in engine.orders(machine.id):
            start, end = from_epoch_ms(o.start), from_epoch_ms(o.end)
            if end <= window.start or start >= window.end or start >= window.now:
                continue
            m = measure_scopes(engine, [machine.id], custom_window(start, end, window.now))
            e = m[machine.id].total.elements
            name = Text(id=o.order_id)
            rows.append(
                TargetRow(o.order_id, name, machine.name, start, end, o.quantity, e.gq, e.sq)
            )
    return sorted(rows, key=lambda r: (r.start, r.key))
