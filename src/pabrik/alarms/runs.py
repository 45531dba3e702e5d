"""A run of readings of one signal taken in one step, exactly as ``on_reading`` takes each.

At the rates of a loaded plant, almost every reading only moves an alarm's memory (its last
value and instant, now and then its raw condition): no delay matures, nothing is suppressed,
released or expires. Such readings are folded on plain numbers here; any reading that may
change the alarm's status goes through ``on_reading`` itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from pabrik.alarms.conditions import Memory
from pabrik.alarms.definitions import AlarmDefinition, LimitCondition, RateCondition
from pabrik.alarms.evaluation import MachineView, Reading, Tracked, delays, on_reading
from pabrik.alarms.states import AlarmStatus, Transition
from pabrik.model.records import EPOCH

_US = timedelta(microseconds=1)
# Kinds whose readings can be folded: limits and rates judge the value, staleness only keeps
# the last good instant. Anything else (anomaly scores, the disk budget) goes one by one.
_FOLDED = frozenset({"high", "low", "rate", "stale"})


def at_us(at: datetime) -> int:
    """Microseconds since the epoch of an aware instant (exact)."""
    return (at - EPOCH) // _US


def from_us(us: int) -> datetime:
    """The aware UTC instant ``us`` microseconds after the epoch."""
    return EPOCH + timedelta(microseconds=us)


@dataclass(slots=True)
class Readings:
    """Consecutive readings of one signal, all seen with the machine as ``view``."""

    view: MachineView | None
    at_us: list[int] = field(default_factory=list)
    values: list[float] = field(default_factory=list)
    good: list[bool] = field(default_factory=list)

    def reading(self, i: int) -> Reading:
        """The ``i``-th reading."""
        return Reading(from_us(self.at_us[i]), self.values[i], self.good[i])


def _quiet(definition: AlarmDefinition, status: AlarmStatus, view: MachineView | None) -> bool:
    # No shelf to expire and no suppression to change: only the condition can move.
    if status.shelf is not None:
        return False
    return view is None or (view.state in definition.suppress_in) == status.suppressed


def on_readings(
    definition: AlarmDefinition, t: Tracked, run: Readings
) -> tuple[Tracked, list[Transition]]:
    """The alarm after every reading of ``run`` in turn; the same as ``on_reading`` on each."""
    out: list[Transition] = []
    i, n = 0, len(run.at_us)
    folded = definition.kind in _FOLDED
    while i < n:
        if folded and _quiet(definition, t.status, run.view):
            t, i = _fold(definition, t, run, i)
            if i == n:
                break
        t, changes = on_reading(definition, t, run.reading(i), run.view)
        out += changes
        i += 1
    return t, out


Judge = Callable[[int, float, bool, bool, int | None, float | None], bool | None]
"""(instant, value, good, raw so far, last good instant, last good value) -> the raw condition."""


def _judge(definition: AlarmDefinition, view: MachineView | None) -> Judge:
    """The raw condition of one reading, as ``on_reading`` judges it, for a folded kind."""
    cond = definition.condition
    product = definition.scope.product
    if product is not None and (view is None or view.product != product):
        return lambda *_: False  # out of scope: the condition is off, good reading or not
    if isinstance(cond, LimitCondition):
        # The same arithmetic as conditions.limit_holds, done once.
        limit = cond.limit
        if cond.kind == "high":
            back = cond.limit - cond.deadband
            return lambda _a, v, ok, raw, _l, _lv: (v >= back if raw else v > limit) if ok else None
        back = cond.limit + cond.deadband
        return lambda _a, v, ok, raw, _l, _lv: (v <= back if raw else v < limit) if ok else None
    if isinstance(cond, RateCondition):
        most = cond.max_per_minute

        def rate(
            at: int, v: float, ok: bool, _r: bool, last: int | None, lv: float | None
        ) -> bool | None:
            if not ok or last is None or lv is None or at - last <= 0:
                return None
            # timedelta.total_seconds is this same integer division of microseconds.
            return abs(v - lv) * 60 / ((at - last) / 1_000_000) > most

        return rate
    return lambda *_: None  # staleness: a reading only renews the last good instant


def _fold(definition: AlarmDefinition, t: Tracked, run: Readings, i: int) -> tuple[Tracked, int]:
    """Fold readings from ``i`` until one would raise an event; that one's index, or the end."""
    judge = _judge(definition, run.view)
    on_s, off_s = delays(definition)
    m = t.memory
    condition = t.status.condition
    raw, since = m.raw, None if m.raw_since is None else at_us(m.raw_since)
    last_value, last = m.last_value, None if m.last_ts is None else at_us(m.last_ts)
    since_moved = last_moved = False
    times, values, good = run.at_us, run.values, run.good
    n = len(times)
    j = i
    while j < n:
        at, value, ok = times[j], values[j], good[j]
        new = judge(at, value, ok, raw, last, last_value)
        if new is not None:
            moved = since is None or new != raw
            r, s = (new, at) if moved else (raw, since)
            assert s is not None
            if r != condition and (at - s) / 1_000_000 >= (on_s if r else off_s):
                break  # a delay matured: this reading changes the status
            if moved:
                raw, since, since_moved = r, s, True
        if ok:
            last_value, last, last_moved = value, at, True
        j += 1
    if j == i:
        return t, j
    memory = Memory(
        raw,
        from_us(since) if since_moved and since is not None else m.raw_since,
        last_value,
        from_us(last) if last_moved and last is not None else m.last_ts,
    )
    return (t if memory == m else Tracked(t.status, memory)), j
