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

from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import datetime

from pabrik.kpi import spans
from pabrik.kpi.account import DowntimeKey, TimeAccount
from pabrik.kpi.counting import quantities_in
from pabrik.kpi.elements import Elements, Extras
from pabrik.kpi.orders import OrderSpan
from pabrik.kpi.quantities import (
    count_period_list,
    energy_deltas,
    energy_in,
)
from pabrik.kpi.rules import TimeRules
from pabrik.kpi.segments import Inputs, Planned, Segment, labels_of, segments_of, startups_of
from pabrik.kpi.spans import Span
from pabrik.model.calendar import Interval, ShiftInstance
from pabrik.model.equipment import TimeElement
from pabrik.model.errors import InvalidRequestError
from pabrik.model.records import CountRecord, StateRecord, to_epoch_ms
from pabrik.model.site import Machine

_DOWNTIME_BUCKETS = frozenset({TimeElement.AUST, TimeElement.ADET, TimeElement.ADOT})


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
) -> Inputs:
    shift_list = list(shifts)
    pot_all = spans.normalize((to_epoch_ms(s.start), to_epoch_ms(s.end)) for s in shift_list)
    records = sorted(states, key=lambda r: r.ts)
    stamps = [to_epoch_ms(r.ts) for r in records]
    labels = labels_of(records, stamps, rules.debounce_ms)
    segments = list(segments_of(records, stamps, labels, lo, hi, machine, rules, orders))
    startups = startups_of(stamps, labels, machine, rules.startup_window_ms)
    count_list = sorted(counts, key=lambda c: c.ts)
    periods = count_period_list(count_list, rules.count_period_ms, pot_all)
    breaks_all = spans.normalize(
        (to_epoch_ms(b.start), to_epoch_ms(b.end)) for sh in shift_list for b in sh.breaks
    )
    return Inputs(
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


def _bucket(s: int, e: int, inputs: Inputs, machine: Machine, rules: TimeRules) -> TimeAccount:
    planned = _planned_in(inputs.pot_all, inputs.breaks_all, s, e)
    clipped = list(_clipped(inputs, s, e))
    times, events, downtime, micro_time = _times(planned, clipped, rules)
    quantities, psq, scrap_cost = quantities_in(inputs, s, e, machine, rules)
    extras = Extras(
        fe=events.fe,
        cmt=events.cmt,
        pmt=events.pmt,
        aoet=events.aoet,
        psq=psq,
        energy_wh=energy_in(inputs.energy, s, e) if inputs.energy else 0,
        energy_run_wh=_production_energy(inputs, planned, clipped),
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


def _production_energy(inputs: Inputs, planned: Planned, segments: Sequence[Segment]) -> int:
    """Wh drawn during production time (APT, micro-stops included), the rest is not producing."""
    if not inputs.energy:
        return 0
    running = spans.normalize(
        (seg.start, seg.end) for seg in segments if seg.micro or seg.element is TimeElement.APT
    )
    return sum(energy_in(inputs.energy, a, b) for a, b in spans.intersect(running, planned.busy))


def _clipped(inputs: Inputs, s: int, e: int) -> Iterator[Segment]:
    """The segments overlapping [s, e), clipped to it; a failure start outside is dropped."""
    i = bisect_right(inputs.seg_ends, s)
    while i < len(inputs.segments) and inputs.segments[i].start < e:
        seg = inputs.segments[i]
        start, end = max(seg.start, s), min(seg.end, e)
        if start < end:
            yield Segment(
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
    planned: Planned, segments: Iterable[Segment], rules: TimeRules
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


def _planned_in(pot_all: Sequence[Span], breaks_all: Sequence[Span], s: int, e: int) -> Planned:
    """`_planned` of [s, e) from the normal span lists of every shift and break."""
    pot = spans.clip_normal(pot_all, s, e)
    breaks = spans.intersect(spans.clip_normal(breaks_all, s, e), pot)
    return Planned(pot=pot, breaks=breaks, busy=spans.subtract(pot, breaks))


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
