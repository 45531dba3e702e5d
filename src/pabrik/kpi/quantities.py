"""Counts and meter readings as quantities over periods, split exactly over window borders.

A count record is stamped at the END of the period it covers. Its period starts at the
previous count record of the machine, but never more than ``count_period_ms`` earlier;
with ``count_period_ms == 0`` a count is an instant. A window (s, e] takes

    floor(n * W(e) / W(b)) - floor(n * W(s) / W(b))

of a count of n units over (a, b], where W(t) is the planned operation time in (a, t]:
units are assumed to be made evenly over the planned part of the period. The floors
telescope, so any split of a window into parts adds up to the same whole units, and the
whole period always receives exactly n. A period without planned time is dropped, as is
an instant count that does not end inside a shift.

Energy meter readings are cumulative (a drop is a meter reset); each delta is spread
the same way over elapsed time (energy flows outside shifts too).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from pabrik.kpi import spans
from pabrik.kpi.spans import Span
from pabrik.model.records import CountRecord, to_epoch_ms


@dataclass(frozen=True, slots=True)
class Period:
    """A quantity measured over (start, end] in epoch ms (start == end: an instant)."""

    start: int
    end: int
    weight: int
    """Planned (or elapsed) ms inside the period: the denominator of the split."""


def period_starts(stamps: Sequence[int], max_period_ms: int) -> list[int]:
    """For each end-stamp (sorted), where its period starts under the count period rule."""
    if max_period_ms <= 0:
        return list(stamps)
    starts = []
    for i, b in enumerate(stamps):
        prev = stamps[i - 1] if i else b - max_period_ms
        starts.append(max(prev, b - max_period_ms))
    return starts


def share(n: int, measure: int, weight: int) -> int:
    """The whole units of ``n`` made in the first ``measure`` of ``weight`` (floor)."""
    if measure >= weight:
        return n
    return n * measure // weight


def planned_in(start: int, end: int, pot: Sequence[Span]) -> int:
    """Planned operation time inside (start, end]."""
    return spans.overlap((start, end), pot) if start < end else 0


def window_part(n: int, period: Period, s: int, e: int, pot: Sequence[Span] | None) -> int:
    """The part of ``n`` units over ``period`` that window (s, e] takes (see module rule)."""
    a, b = period.start, period.end
    if a == b:
        inside = pot is None or spans.ends_inside(b, pot)
        return n if s < b <= e and inside else 0
    if period.weight == 0 or e <= a or s >= b:
        return 0
    if s <= a and b <= e:
        # The formula's own value here (W(e) = W(b), W(s) = 0); most counts of a window are
        # wholly inside it, and the overview measures 105 machines every few seconds.
        return n

    def measure(t: int) -> int:
        t = min(max(t, a), b)
        return t - a if pot is None else planned_in(a, t, pot)

    return share(n, measure(e), period.weight) - share(n, measure(s), period.weight)


def count_period_list(
    counts: Sequence[CountRecord], max_period_ms: int, pot: Sequence[Span]
) -> list[Period]:
    """The period of each (time-sorted) count, weighted by its planned time."""
    stamps = [to_epoch_ms(c.ts) for c in counts]
    return [
        Period(a, b, planned_in(a, b, pot) if a < b else 0)
        for a, b in zip(period_starts(stamps, max_period_ms), stamps, strict=True)
    ]


@dataclass(frozen=True, slots=True)
class EnergyDelta:
    """Energy in Wh drawn over (start, end]."""

    start: int
    end: int
    wh: int


def energy_deltas(readings: Iterable[tuple[datetime, float]], gap_ms: int) -> list[EnergyDelta]:
    """Deltas of a cumulative kWh meter; a drop is a reset, a long gap a new baseline."""
    out: list[EnergyDelta] = []
    previous: tuple[int, int] | None = None
    for ts, kwh in sorted(readings, key=lambda r: r[0]):
        t, wh = to_epoch_ms(ts), round(kwh * 1000)
        if previous is not None and previous[0] < t and t - previous[0] <= gap_ms:
            step = wh - previous[1]
            out.append(EnergyDelta(previous[0], t, step if step >= 0 else wh))
        previous = (t, wh)
    return out


def energy_in(deltas: Sequence[EnergyDelta], s: int, e: int) -> int:
    """Wh of the deltas that window (s, e] takes, spread evenly over elapsed time."""
    total = 0
    i = bisect_right([d.end for d in deltas], s)
    while i < len(deltas) and deltas[i].start < e:
        d = deltas[i]
        total += window_part(d.wh, Period(d.start, d.end, d.end - d.start), s, e, None)
        i += 1
    return total
