"""Quantities, ideal times, start-up scrap and scrap cost that a window takes from counts."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter
from fractions import Fraction

from pabrik.kpi.elements import Elements
from pabrik.kpi.orders import OrderSpan, order_ending_at
from pabrik.kpi.quantities import Period, window_part
from pabrik.kpi.rules import TimeRules
from pabrik.kpi.segments import Inputs
from pabrik.model.equipment import Product
from pabrik.model.records import CountRecord
from pabrik.model.site import Machine

_MS_PER_S = 1000


def _startup_part(n: int, period: Period, s: int, e: int, inputs: Inputs) -> int:
    """The units of ``n`` that window (s, e] takes and that were made in a start-up window."""
    total = 0
    i = bisect_left(inputs.startup_ends, max(s, period.start))
    # Each unit has one production instant, so disjoint windows never count it twice.
    while i < len(inputs.startups) and inputs.startups[i][0] < min(e, period.end):
        u, v = inputs.startups[i]
        total += window_part(n, period, max(s, u), min(e, v), inputs.pot_all)
        i += 1
    return total


def quantities_in(
    inputs: Inputs, s: int, e: int, machine: Machine, rules: TimeRules
) -> tuple[Elements, Fraction, Fraction]:
    """Quantities and ideal times that window (s, e] takes, planned scrap, scrap cost."""
    cache: dict[str | None, Fraction] = {}
    pq = gq = sq = rq = startup = 0
    # Units are summed per PRI (and per scrap rate) first: few fraction products at the end.
    # A PRI is keyed by its numerator and denominator: hashing a Fraction costs a modular
    # inverse, and this runs once per count of every machine the overview measures.
    produced_by_pri: Counter[tuple[int, int]] = Counter()
    good_by_pri: Counter[tuple[int, int]] = Counter()
    startup_by_pri: Counter[tuple[int, int]] = Counter()
    psq = scrap_cost = Fraction(0)
    i = bisect_right(inputs.period_ends, s)
    # Period starts never decrease, so the scan can stop at the first one after e.
    while i < len(inputs.periods) and inputs.periods[i].start <= e:
        period, count = inputs.periods[i], inputs.counts[i]
        i += 1
        good, scrap, rework = (
            window_part(n, period, s, e, inputs.pot_all)
            for n in (count.good, count.scrap, count.rework)
        )
        produced = good + scrap + rework
        if not produced:
            continue
        order = order_ending_at(inputs.orders, period.end) if inputs.orders else None
        pri, scrap_ratio, product = _pri(machine, count, order, cache)
        key = pri.numerator, pri.denominator
        pq, gq, sq, rq = pq + produced, gq + good, sq + scrap, rq + rework
        produced_by_pri[key] += produced
        good_by_pri[key] += good
        if scrap and inputs.startups:
            made = _startup_part(count.scrap, period, s, e, inputs)
            startup += made
            startup_by_pri[key] += made
        if scrap_ratio:
            psq += scrap_ratio * produced
        rate = (
            rules.scrap_per_unit_idr if product.scrap_cost_idr is None else product.scrap_cost_idr
        )
        if scrap and rate:
            scrap_cost += scrap * Fraction(rate)
    quantities = Elements(
        pq=pq,
        gq=gq,
        sq=sq,
        rq=rq,
        ideal_ms=_weighted(produced_by_pri),
        ideal_good_ms=_weighted(good_by_pri),
        sq_startup=startup,
        ideal_startup_ms=_weighted(startup_by_pri),
    )
    return quantities, psq, scrap_cost


def _weighted(units_by_pri: Counter[tuple[int, int]]) -> Fraction:
    """Sum of PRI x units over the PRIs (each PRI as numerator and denominator)."""
    return sum((Fraction(p * n, q) for (p, q), n in units_by_pri.items()), Fraction(0))


def _pri(
    machine: Machine,
    count: CountRecord,
    order: OrderSpan | None,
    cache: dict[str | None, Fraction],
) -> tuple[Fraction, Fraction, Product]:
    """PRI in ms, planned scrap ratio and product of a count, from its order or product."""
    product = machine.product(count.product_id or (order.product_id if order else None))
    if order is not None and order.pri_ms is not None and order.product_id in (None, product.id):
        return order.pri_ms, order.planned_scrap_ratio, product
    if product.id not in cache:
        cache[product.id] = Fraction(product.ideal_cycle_time_s) * _MS_PER_S
    return cache[product.id], order.planned_scrap_ratio if order else Fraction(0), product
