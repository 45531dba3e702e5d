"""The ISO 22400 time model: machine states, counts and shifts turned into `Elements`.

Rules (each one is tested):

- A state record lasts until the next record of the machine; the last one lasts until the
  window end. The last record before the window is carried into it; time before the
  first known state is ``unknown``.
- Debounce: a record shorter than ``rules.debounce_ms`` (to the next record) is a
  flicker and takes the state and reason of the record before it (one step, no cascade,
  so the result never depends on how far back the caller looked). The first record
  given has no known predecessor and the last no known length: neither is a flicker.
- Planned operation time (POT) is the union of the given shift instances, clipped to the
  window. Time outside shifts is outside the time model: no element counts it.
- Breaks are planned down time (PDOT) whatever the machine reports. Inside POT each
  state goes to the element its machine's ``time_model`` maps it to (default: running
  APT, changeover AUST, unplanned_stop ADET, idle ADOT, planned_stop PDOT). PBT = POT - PDOT.
- Order reading (OPC 40001-1): while a production order is registered (a configured
  order, or the state record's ``order_id``), time mapped to ADOT is ADET instead. A
  machine without any order data keeps the machine-state reading (OPC 40501-1); the
  result says so (``order_data`` is False) so that callers can flag it.
- Micro-stops: a run of consecutive ``unplanned_stop`` records shorter than
  ``micro_stop_ms`` stays in APT (a performance loss, not an availability loss). The run
  is measured on the records themselves, not on the window, so pass the first record
  after the window too when there is one. A stop with no later record is still going
  on, so it is never a micro-stop. Pass records from at least ``rules.history_ms`` before
  the window (plus the one before that) so that runs and flickers are seen whole.
- Failure events (FE): unplanned-stop runs that are not micro-stops and whose first
  reason is corrective (every reason, unless some are marked ``maintenance: corrective``),
  counted in the window where the run starts, if it starts inside PBT.
- Counts are deltas stamped at the END of the period they cover (see `quantities` for
  the period rule and the exact proportional split over window borders). With the
  default count period 0, a window takes a count when ``window.start < ts <= window.end``
  and ``shift.start < ts <= shift.end`` for some shift: the count at a shift's end
  belongs to that shift, and two adjacent windows never both take one count. Pass the
  shifts that cover the count periods too (up to ``rules.count_period_ms`` around the
  window).
- Start-up scrap (reduced yield): a record booked to APT right after one booked to AUST
  (changeover) or PDOT (planned stop), after debouncing, opens a start-up window
  ``(t, t + rules.startup_window_ms]`` of wall-clock time. The scrap units of a count
  made inside a start-up window are start-up scrap (``sq_startup``), split like any
  count: the units are spread evenly over the planned time of the count's period, so an
  instant count is start-up scrap when ``t < ts <= t + window``, and a count whose period
  straddles the window's end gives it its share with the same cumulative floors. So
  start-up scrap never exceeds SQ in any window, and it telescopes over windows.
"""

from __future__ import annotations

import itertools
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from fractions import Fraction
from typing import NamedTuple

from pabrik.kpi import spans
from pabrik.kpi.elements import Elements, Extras
from pabrik.kpi.orders import OrderSpan, cut_points, order_at, order_ending_at
from pabrik.kpi.quantities import (
    EnergyDelta,
    Period,
    count_period_list,
    energy_deltas,
    energy_in,
    window_part,
)
from pabrik.kpi.rules import TimeRules
from pabrik.kpi.spans import Span
from pabrik.model.calendar import Interval, ShiftInstance
from pabrik.model.errors import InvalidRequestError
from pabrik.model.records import CountRecord, StateRecord, to_epoch_ms
from pabrik.model.site import Machine, Product, TimeElement
from pabrik.model.states import StateClass

_DOWNTIME_BUCKETS = frozenset({TimeElement.AUST, TimeElement.ADET, TimeElement.ADOT})
_SETUP_ELEMENTS = frozenset({TimeElement.AUST, TimeElement.PDOT})
_MS_PER_S = 1000


class DowntimeKey(NamedTuple):
    """An availability loss bucket: the state class and the reason code it was given."""

    state: StateClass
    reason: str | None


@dataclass(frozen=True, slots=True)
class TimeAccount:
    """Elements of a work unit over a window, with the downtime detail behind them."""

    elements: Elements
    micro_stop_ms: int
    """The threshold used: unplanned stops shorter than this stayed in APT."""
    downtime_ms: Mapping[DowntimeKey, int] = field(default_factory=dict)
    """AUST, ADET and ADOT inside PBT by (state, reason); sums to AUST + ADET + ADOT."""
    micro_stop_time_ms: int = 0
    """Time inside PBT of unplanned stops counted as APT because they were short."""
    debounce_ms: int = 0
    """The flicker threshold used."""
    order_data: bool = False
    """Whether every machine summed had order data (else: machine-state reading)."""
    extras: Extras = field(default_factory=Extras)
    """Failure events, maintenance and order time, planned scrap and energy."""

    def __add__(self, other: TimeAccount) -> TimeAccount:
        if not isinstance(other, TimeAccount):
            return NotImplemented
        if (other.micro_stop_ms, other.debounce_ms) != (self.micro_stop_ms, self.debounce_ms):
            raise ValueError(
                "cannot add time accounts computed with different micro-stop or debounce rules"
            )
        downtime = Counter(self.downtime_ms)
        downtime.update(other.downtime_ms)
        return TimeAccount(
            elements=self.elements + other.elements,
            micro_stop_ms=self.micro_stop_ms,
            downtime_ms=dict(downtime),
            micro_stop_time_ms=self.micro_stop_time_ms + other.micro_stop_time_ms,
            debounce_ms=self.debounce_ms,
            order_data=self.order_data and other.order_data,
            extras=self.extras + other.extras,
        )

    def downtime_by_reason(self) -> dict[str | None, int]:
        """Availability-loss time inside PBT per reason code (None: no reason given)."""
        totals: Counter[str | None] = Counter()
        for key, ms in self.downtime_ms.items():
            totals[key.reason] += ms
        return dict(totals)


@dataclass(frozen=True, slots=True)
class _Segment:
    """A stretch of one state record, in epoch ms, with the element it is booked to."""

    start: int
    end: int
    state: StateClass
    reason: str | None
    micro: bool
    element: TimeElement
    ordered: bool
    failure_start: bool
    """Whether this segment opens a failure event (a non-micro unplanned-stop run)."""


@dataclass(frozen=True, slots=True)
class _Planned:
    """The planned time of a window as normal span lists."""

    pot: list[Span]
    breaks: list[Span]
    busy: list[Span]


@dataclass(frozen=True, slots=True)
class _Inputs:
    """Everything about one machine that does not depend on the bucket."""

    shifts: list[ShiftInstance]
    pot_all: list[Span]
    breaks_all: list[Span]
    segments: list[_Segment]
    seg_ends: list[int]
    counts: list[CountRecord]
    periods: list[Period]
    period_ends: list[int]
    energy: list[EnergyDelta]
    orders: Sequence[OrderSpan]
    order_data: bool
    startups: list[Span]
    """Start-up windows, normal, as half-open spans (their units are taken as (u, v])."""
    startup_ends: list[int]


def account(
    window: Interval,
    shifts: Iterable[ShiftInstance],
    states: Iterable[StateRecord],
    counts: Iterable[CountRecord],
    machine: Machine,
    *,
    micro_stop_ms: int = 0,
    rules: TimeRules | None = None,
    orders: Sequence[OrderSpan] = (),
    energy: Iterable[tuple[datetime, float]] = (),
) -> TimeAccount:
    """The time account of one machine over ``window`` (see the module rules)."""
    chosen = rules if rules is not None else TimeRules(micro_stop_ms=micro_stop_ms)
    return account_buckets(
        [window], shifts, states, counts, machine, rules=chosen, orders=orders, energy=energy
    )[0]


def account_buckets(
    buckets: Sequence[Interval],
    shifts: Iterable[ShiftInstance],
    states: Iterable[StateRecord],
    counts: Iterable[CountRecord],
    machine: Machine,
    *,
    rules: TimeRules,
    orders: Sequence[OrderSpan] = (),
    energy: Iterable[tuple[datetime, float]] = (),
) -> list[TimeAccount]:
    """One time account per bucket (sorted, disjoint windows), from one pass over the records.

    ``account`` is this function with a single bucket, so a rollup of many buckets and
    a direct computation share every rule.
    """
    bounds = [(to_epoch_ms(b.start), to_epoch_ms(b.end)) for b in buckets]
    for (s, e), b in zip(bounds, buckets, strict=True):
        if e < s:
            raise InvalidRequestError(
                "window ends before it starts", start=b.start.isoformat(), end=b.end.isoformat()
            )
    if not bounds:
        return []
    lo, hi = bounds[0][0], max(e for _, e in bounds)
    inputs = _inputs(lo, hi, shifts, states, counts, machine, rules, orders, energy)
    return [_bucket(s, e, inputs, machine, rules) for s, e in bounds]


def _inputs(
    lo: int,
    hi: int,
    shifts: Iterable[ShiftInstance],
    states: Iterable[StateRecord],
    counts: Iterable[CountRecord],
    machine: Machine,
    rules: TimeRules,
    orders: Sequence[OrderSpan],
    energy: Iterable[tuple[datetime, float]],
) -> _Inputs:
    shift_list = list(shifts)
    pot_all = spans.normalize((to_epoch_ms(s.start), to_epoch_ms(s.end)) for s in shift_list)
    records = sorted(states, key=lambda r: r.ts)
    stamps = [to_epoch_ms(r.ts) for r in records]
    labels = _labels(records, stamps, rules.debounce_ms)
    segments = list(_segments(records, stamps, labels, lo, hi, machine, rules, orders))
    startups = _startups(stamps, labels, machine, rules.startup_window_ms)
    count_list = sorted(counts, key=lambda c: c.ts)
    periods = count_period_list(count_list, rules.count_period_ms, pot_all)
    breaks_all = spans.normalize(
        (to_epoch_ms(b.start), to_epoch_ms(b.end)) for sh in shift_list for b in sh.breaks
    )
    return _Inputs(
        shifts=shift_list,
        pot_all=pot_all,
        breaks_all=breaks_all,
        segments=segments,
        seg_ends=[seg.end for seg in segments],
        counts=count_list,
        periods=periods,
        period_ends=[p.end for p in periods],
        energy=energy_deltas(energy, rules.energy_gap_ms),
        orders=orders,
        order_data=bool(orders) or any(r.order_id is not None for r in records),
        startups=startups,
        startup_ends=[v for _, v in startups],
    )


def _bucket(s: int, e: int, inputs: _Inputs, machine: Machine, rules: TimeRules) -> TimeAccount:
    planned = _planned_in(inputs.pot_all, inputs.breaks_all, s, e)
    times, events, downtime, micro_time = _times(planned, _clipped(inputs, s, e), rules)
    quantities, psq, scrap_cost = _quantities(inputs, s, e, machine, rules)
    extras = Extras(
        fe=events.fe,
        cmt=events.cmt,
        pmt=events.pmt,
        aoet=events.aoet,
        psq=psq,
        energy_wh=energy_in(inputs.energy, s, e) if inputs.energy else 0,
        scrap_cost_idr=scrap_cost,
    )
    return TimeAccount(
        elements=replace(
            times,
            pq=quantities.pq,
            gq=quantities.gq,
            sq=quantities.sq,
            rq=quantities.rq,
            ideal_ms=quantities.ideal_ms,
            ideal_good_ms=quantities.ideal_good_ms,
            sq_startup=quantities.sq_startup,
            ideal_startup_ms=quantities.ideal_startup_ms,
        ),
        extras=extras,
        micro_stop_ms=rules.micro_stop_ms,
        downtime_ms=downtime,
        micro_stop_time_ms=micro_time,
        debounce_ms=rules.debounce_ms,
        order_data=inputs.order_data,
    )


def _clipped(inputs: _Inputs, s: int, e: int) -> Iterator[_Segment]:
    """The segments overlapping [s, e), clipped to it; a failure start outside is dropped."""
    i = bisect_right(inputs.seg_ends, s)
    while i < len(inputs.segments) and inputs.segments[i].start < e:
        seg = inputs.segments[i]
        start, end = max(seg.start, s), min(seg.end, e)
        if start < end:
            yield _Segment(
                start,
                end,
                seg.state,
                seg.reason,
                seg.micro,
                seg.element,
                seg.ordered,
                seg.failure_start and start == seg.start,
            )
        i += 1


def _times(
    planned: _Planned, segments: Iterable[_Segment], rules: TimeRules
) -> tuple[Elements, Extras, dict[DowntimeKey, int], int]:
    """Time elements, events, downtime by key and micro-stop time inside planned time."""
    totals: Counter[str] = Counter(pdot=spans.total(planned.breaks))
    downtime: Counter[DowntimeKey] = Counter()
    micro_time = 0
    for seg in segments:
        busy = spans.overlap((seg.start, seg.end), planned.busy)
        if seg.ordered:
            totals["aoet"] += seg.end - seg.start
        if seg.failure_start and spans.ends_inside(seg.start + 1, planned.busy):
            totals["fe"] += 1
        element = seg.element
        if seg.micro:
            element, micro_time = TimeElement.APT, micro_time + busy
        totals[element.value] += busy
        if element is TimeElement.PDOT and seg.reason in rules.preventive_reasons:
            totals["pmt"] += busy
        if element is TimeElement.ADET and rules.corrective(seg.state, seg.reason):
            totals["cmt"] += busy
        if element in _DOWNTIME_BUCKETS and busy:
            downtime[DowntimeKey(seg.state, seg.reason)] += busy
    pot = spans.total(planned.pot)
    times = Elements(
        pot=pot,
        pdot=totals["pdot"],
        pbt=pot - totals["pdot"],
        apt=totals["apt"],
        aust=totals["aust"],
        adet=totals["adet"],
        adot=totals["adot"],
        unknown=totals["unknown"],
    )
    events = Extras(fe=totals["fe"], cmt=totals["cmt"], pmt=totals["pmt"], aoet=totals["aoet"])
    return times, events, dict(downtime), micro_time


def elements(
    window: Interval,
    shifts: Iterable[ShiftInstance],
    states: Iterable[StateRecord],
    counts: Iterable[CountRecord],
    machine: Machine,
    *,
    micro_stop_ms: int = 0,
    rules: TimeRules | None = None,
) -> Elements:
    """Only the elements of `account`."""
    return account(
        window, shifts, states, counts, machine, micro_stop_ms=micro_stop_ms, rules=rules
    ).elements


def _planned_in(pot_all: Sequence[Span], breaks_all: Sequence[Span], s: int, e: int) -> _Planned:
    """`_planned` of [s, e) from the normal span lists of every shift and break."""
    pot = spans.clip_normal(pot_all, s, e)
    breaks = spans.intersect(spans.clip_normal(breaks_all, s, e), pot)
    return _Planned(pot=pot, breaks=breaks, busy=spans.subtract(pot, breaks))


def _labels(
    records: Sequence[StateRecord], stamps: Sequence[int], debounce_ms: int
) -> list[tuple[StateClass, str | None]]:
    """Each record's (state, reason) after one-step debouncing of flickers."""
    raw = [(r.state, r.reason) for r in records]
    if debounce_ms <= 0:
        return raw
    out = list(raw)
    for i in range(1, len(records) - 1):
        if stamps[i + 1] - stamps[i] < debounce_ms:
            out[i] = raw[i - 1]
    return out


def _segments(
    records: Sequence[StateRecord],
    stamps: Sequence[int],
    labels: Sequence[tuple[StateClass, str | None]],
    start: int,
    end: int,
    machine: Machine,
    rules: TimeRules,
    orders: Sequence[OrderSpan],
) -> Iterator[_Segment]:
    """Contiguous state segments that tile [start, end), unknown where nothing is known."""
    micro, opens = _runs(labels, stamps, rules.micro_stop_ms)
    first = stamps[0] if stamps else end
    if start < first:
        yield _Segment(
            start,
            min(first, end),
            StateClass.UNKNOWN,
            None,
            micro=False,
            element=TimeElement.UNKNOWN,
            ordered=False,
            failure_start=False,
        )
    for i, rec in enumerate(records):
        seg_end = stamps[i + 1] if i + 1 < len(records) else end
        s, e = max(stamps[i], start), min(seg_end, end)
        if s >= e:
            continue
        state, reason = labels[i]
        element = machine.time_model.element(state, reason)
        cuts = [s, *cut_points(orders, s, e), e]
        for a, b in itertools.pairwise(cuts):
            ordered = rec.order_id is not None or order_at(orders, a) is not None
            yield _Segment(
                a,
                b,
                state,
                reason,
                micro=micro[i],
                element=_read(element, ordered, rules),
                ordered=ordered,
                failure_start=opens[i] and a == stamps[i] and rules.corrective(state, reason),
            )


def _startups(
    stamps: Sequence[int],
    labels: Sequence[tuple[StateClass, str | None]],
    machine: Machine,
    window_ms: int,
) -> list[Span]:
    """Start-up windows: from each change of a setup or planned stop into production."""
    if window_ms <= 0:
        return []
    booked = [machine.time_model.element(state, reason) for state, reason in labels]
    return spans.normalize(
        (stamps[i], stamps[i] + window_ms)
        for i in range(1, len(booked))
        if booked[i] is TimeElement.APT and booked[i - 1] in _SETUP_ELEMENTS
    )


def _startup_part(n: int, period: Period, s: int, e: int, inputs: _Inputs) -> int:
    """The units of ``n`` that window (s, e] takes and that were made in a start-up window."""
    total = 0
    i = bisect_left(inputs.startup_ends, max(s, period.start))
    # Each unit has one production instant, so disjoint windows never count it twice.
    while i < len(inputs.startups) and inputs.startups[i][0] < min(e, period.end):
        u, v = inputs.startups[i]
        total += window_part(n, period, max(s, u), min(e, v), inputs.pot_all)
        i += 1
    return total


def _read(element: TimeElement, ordered: bool, rules: TimeRules) -> TimeElement:
    """The OPC 40001-1 reading: not executing while an order is registered is a delay."""
    if rules.order_reading and ordered and element is TimeElement.ADOT:
        return TimeElement.ADET
    return element


def _runs(
    labels: Sequence[tuple[StateClass, str | None]], stamps: Sequence[int], threshold: int
) -> tuple[list[bool], list[bool]]:
    """Per record: in a finished unplanned-stop run shorter than threshold; opens a failure."""
    n = len(labels)
    micro, opens = [False] * n, [False] * n
    i = 0
    while i < n:
        if labels[i][0] is not StateClass.UNPLANNED_STOP:
            i += 1
            continue
        j = i
        while j + 1 < n and labels[j + 1][0] is StateClass.UNPLANNED_STOP:
            j += 1
        # A run without a later record is still going on: its length is not known yet.
        finished = j + 1 < n
        if finished and stamps[j + 1] - stamps[i] < threshold:
            micro[i : j + 1] = [True] * (j + 1 - i)
        else:
            opens[i] = True
        i = j + 1
    return micro, opens


def _quantities(
    inputs: _Inputs, s: int, e: int, machine: Machine, rules: TimeRules
) -> tuple[Elements, Fraction, Fraction]:
    """Quantities and ideal times that window (s, e] takes, planned scrap, scrap cost."""
    cache: dict[str | None, Fraction] = {}
    pq = gq = sq = rq = startup = 0
    # Units are summed per PRI (and per scrap rate) first: few fraction products at the end.
    produced_by_pri: Counter[Fraction] = Counter()
    good_by_pri: Counter[Fraction] = Counter()
    startup_by_pri: Counter[Fraction] = Counter()
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
        pq, gq, sq, rq = pq + produced, gq + good, sq + scrap, rq + rework
        produced_by_pri[pri] += produced
        good_by_pri[pri] += good
        if scrap and inputs.startups:
            made = _startup_part(count.scrap, period, s, e, inputs)
            startup += made
            startup_by_pri[pri] += made
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


def _weighted(units_by_pri: Counter[Fraction]) -> Fraction:
    """Sum of PRI x units over the PRIs."""
    if len(units_by_pri) == 1:
        ((pri, n),) = units_by_pri.items()
        return pri * n
    return sum((pri * n for pri, n in units_by_pri.items()), Fraction(0))


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


def cumulative_to_deltas(readings: Iterable[tuple[datetime, int]]) -> list[tuple[datetime, int]]:
    """Deltas of a cumulative counter, one per reading after the first (the baseline).

    A reading below the previous one means the counter was reset to zero, so the
    delta is the new reading itself (what was counted since the reset).
    """
    deltas: list[tuple[datetime, int]] = []
    previous: int | None = None
    for ts, value in readings:
        if previous is not None:
            deltas.append((ts, value - previous if value >= previous else value))
        previous = value
    return deltas
