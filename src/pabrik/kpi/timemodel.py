"""The ISO 22400 time model: machine states, counts and shifts turned into `Elements`.

Rules (each one is tested):

- A state record lasts until the next record of the machine; the last one lasts until the
  window end. The last record before the window is carried into it; time before the
  first known state is ``unknown``.
- Planned operation time (POT) is the union of the given shift instances, clipped to the
  window. Time outside shifts is outside the time model: no element counts it.
- Breaks are planned down time (PDOT) whatever the machine reports. A ``planned_stop``
  state inside POT is PDOT too. PBT = POT - PDOT.
- Inside PBT: running -> APT, changeover -> AUST, unplanned_stop -> ADET, idle -> ADOT,
  unknown -> unknown.
- Micro-stops: a run of consecutive ``unplanned_stop`` records shorter than
  ``micro_stop_ms`` stays in APT (a performance loss, not an availability loss). The run
  is measured on the records themselves, not on the window, so pass the first record
  after the window too when there is one. A stop with no later record is still going
  on, so it is never a micro-stop.
- Counts are deltas stamped at the END of the period they cover. A window takes a count
  when ``window.start < ts <= window.end`` and ``shift.start < ts <= shift.end`` for some
  shift: the count at a shift's end belongs to that shift, and two adjacent windows never
  both take one count.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction
from typing import NamedTuple

from pabrik.kpi import spans
from pabrik.kpi.elements import Elements
from pabrik.kpi.spans import Span
from pabrik.model.calendar import Interval, ShiftInstance
from pabrik.model.errors import InvalidRequestError
from pabrik.model.records import CountRecord, StateRecord, to_epoch_ms
from pabrik.model.site import Machine
from pabrik.model.states import StateClass

# Which element a state's time inside PBT belongs to; PLANNED_STOP is handled apart.
_BUCKET: dict[StateClass, str] = {
    StateClass.RUNNING: "apt",
    StateClass.CHANGEOVER: "aust",
    StateClass.UNPLANNED_STOP: "adet",
    StateClass.IDLE: "adot",
    StateClass.UNKNOWN: "unknown",
}
_DOWNTIME_BUCKETS = frozenset({"aust", "adet", "adot"})
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

    def __add__(self, other: TimeAccount) -> TimeAccount:
        if not isinstance(other, TimeAccount):
            return NotImplemented
        if other.micro_stop_ms != self.micro_stop_ms:
            raise ValueError("cannot add time accounts computed with different micro-stop rules")
        downtime = Counter(self.downtime_ms)
        downtime.update(other.downtime_ms)
        return TimeAccount(
            elements=self.elements + other.elements,
            micro_stop_ms=self.micro_stop_ms,
            downtime_ms=dict(downtime),
            micro_stop_time_ms=self.micro_stop_time_ms + other.micro_stop_time_ms,
        )

    def downtime_by_reason(self) -> dict[str | None, int]:
        """Availability-loss time inside PBT per reason code (None: no reason given)."""
        totals: Counter[str | None] = Counter()
        for key, ms in self.downtime_ms.items():
            totals[key.reason] += ms
        return dict(totals)


@dataclass(frozen=True, slots=True)
class _Segment:
    """A stretch of one state record inside the window, in epoch ms."""

    start: int
    end: int
    state: StateClass
    reason: str | None
    micro: bool


@dataclass(frozen=True, slots=True)
class _Planned:
    """The planned time of a window as normal span lists."""

    pot: list[Span]
    breaks: list[Span]
    busy: list[Span]


def account(
    window: Interval,
    shifts: Iterable[ShiftInstance],
    states: Iterable[StateRecord],
    counts: Iterable[CountRecord],
    machine: Machine,
    *,
    micro_stop_ms: int = 0,
) -> TimeAccount:
    """The time account of one machine over ``window`` (see the module rules)."""
    start, end = to_epoch_ms(window.start), to_epoch_ms(window.end)
    if end < start:
        raise InvalidRequestError(
            "window ends before it starts",
            start=window.start.isoformat(),
            end=window.end.isoformat(),
        )
    planned = _planned(shifts, start, end)
    times, downtime, micro_time = _times(planned, _segments(states, start, end, micro_stop_ms))
    return TimeAccount(
        elements=times + _quantities(counts, planned.pot, start, end, machine),
        micro_stop_ms=micro_stop_ms,
        downtime_ms=downtime,
        micro_stop_time_ms=micro_time,
    )


def _times(
    planned: _Planned, segments: Iterable[_Segment]
) -> tuple[Elements, dict[DowntimeKey, int], int]:
    """Time elements, downtime by key and micro-stop time of segments inside planned time."""
    totals: Counter[str] = Counter(pdot=spans.total(planned.breaks))
    downtime: Counter[DowntimeKey] = Counter()
    micro_time = 0
    for seg in segments:
        busy = spans.overlap((seg.start, seg.end), planned.busy)
        bucket = "pdot" if seg.state is StateClass.PLANNED_STOP else _BUCKET[seg.state]
        if seg.micro:
            bucket, micro_time = "apt", micro_time + busy
        totals[bucket] += busy
        if bucket in _DOWNTIME_BUCKETS and busy:
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
    return times, dict(downtime), micro_time


def elements(
    window: Interval,
    shifts: Iterable[ShiftInstance],
    states: Iterable[StateRecord],
    counts: Iterable[CountRecord],
    machine: Machine,
    *,
    micro_stop_ms: int = 0,
) -> Elements:
    """Only the elements of `account`."""
    return account(window, shifts, states, counts, machine, micro_stop_ms=micro_stop_ms).elements


def _planned(shifts: Iterable[ShiftInstance], start: int, end: int) -> _Planned:
    shift_list = list(shifts)
    pot = spans.clip(((to_epoch_ms(s.start), to_epoch_ms(s.end)) for s in shift_list), start, end)
    # Overlapping breaks are merged first so that no minute is planned down twice.
    breaks = spans.intersect(
        spans.normalize(
            (to_epoch_ms(b.start), to_epoch_ms(b.end)) for s in shift_list for b in s.breaks
        ),
        pot,
    )
    return _Planned(pot=pot, breaks=breaks, busy=spans.subtract(pot, breaks))


def _segments(
    states: Iterable[StateRecord], start: int, end: int, micro_stop_ms: int
) -> Iterator[_Segment]:
    """Contiguous state segments that tile [start, end), unknown where nothing is known."""
    records = sorted(states, key=lambda r: r.ts)
    stamps = [to_epoch_ms(r.ts) for r in records]
    micro = _micro_flags(records, stamps, micro_stop_ms)
    first = stamps[0] if stamps else end
    if start < first:
        yield _Segment(start, min(first, end), StateClass.UNKNOWN, None, micro=False)
    for i, rec in enumerate(records):
        seg_end = stamps[i + 1] if i + 1 < len(records) else end
        s, e = max(stamps[i], start), min(seg_end, end)
        if s < e:
            yield _Segment(s, e, rec.state, rec.reason, micro=micro[i])


def _micro_flags(
    records: Sequence[StateRecord], stamps: Sequence[int], threshold: int
) -> list[bool]:
    """Per record: whether it belongs to a finished unplanned-stop run shorter than threshold."""
    flags = [False] * len(records)
    i = 0
    while i < len(records):
        if records[i].state is not StateClass.UNPLANNED_STOP:
            i += 1
            continue
        j = i
        while j + 1 < len(records) and records[j + 1].state is StateClass.UNPLANNED_STOP:
            j += 1
        # A run without a later record is still going on: its length is not known yet.
        finished = j + 1 < len(records)
        if finished and stamps[j + 1] - stamps[i] < threshold:
            flags[i : j + 1] = [True] * (j + 1 - i)
        i = j + 1
    return flags


def _quantities(
    counts: Iterable[CountRecord], pot: Sequence[Span], start: int, end: int, machine: Machine
) -> Elements:
    """Quantities and ideal times of the counts the window takes (see module rules)."""
    pri_ms: dict[str | None, Fraction] = {}
    pq = gq = sq = rq = 0
    ideal = ideal_good = Fraction(0)
    for count in counts:
        ts = to_epoch_ms(count.ts)
        if not (start < ts <= end and spans.ends_inside(ts, pot)):
            continue
        if count.product_id not in pri_ms:
            pri = machine.product(count.product_id).ideal_cycle_time_s
            pri_ms[count.product_id] = Fraction(pri) * _MS_PER_S
        produced = count.good + count.scrap + count.rework
        pq, gq, sq, rq = pq + produced, gq + count.good, sq + count.scrap, rq + count.rework
        ideal += pri_ms[count.product_id] * produced
        ideal_good += pri_ms[count.product_id] * count.good
    return Elements(pq=pq, gq=gq, sq=sq, rq=rq, ideal_ms=ideal, ideal_good_ms=ideal_good)


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
