"""When a definition's condition holds: limits with deadband, rates, staleness, stops, targets.

Each function answers with the raw condition (before on- and off-delays), or None when the
input says nothing about it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pabrik.alarms.definitions import (
    AnomalyCondition,
    BehindTargetCondition,
    DiskBudgetCondition,
    IdleInShiftCondition,
    LimitCondition,
    LongStopCondition,
    RateCondition,
    StaleCondition,
)
from pabrik.model.states import StateClass


@dataclass(frozen=True, slots=True)
class Memory:
    """What an alarm's condition remembers between inputs."""

    raw: bool = False
    raw_since: datetime | None = None
    last_value: float | None = None
    last_ts: datetime | None = None
    """The instant of the last good sample (or score) seen."""


def limit_holds(cond: LimitCondition, active: bool, value: float) -> bool:
    """Beyond the limit; an active alarm holds until the value is back past the deadband."""
    if cond.kind == "high":
        edge = cond.limit - cond.deadband if active else cond.limit
        return value > edge if not active else value >= edge
    edge = cond.limit + cond.deadband if active else cond.limit
    return value < edge if not active else value <= edge


def rate_holds(cond: RateCondition, memory: Memory, at: datetime, value: float) -> bool | None:
    """Changing faster than allowed since the previous sample; None without one."""
    if memory.last_ts is None or memory.last_value is None:
        return None
    seconds = (at - memory.last_ts).total_seconds()
    if seconds <= 0:
        return None
    return abs(value - memory.last_value) * 60 / seconds > cond.max_per_minute


def stale_holds(cond: StaleCondition, last_good: datetime | None, now: datetime) -> bool:
    """No good sample for longer than allowed (never seen one counts from ``now`` on)."""
    if last_good is None:
        return False
    return (now - last_good).total_seconds() > cond.max_age_s


def long_stop_holds(
    cond: LongStopCondition, state: StateClass | None, since: datetime | None, now: datetime
) -> bool:
    """An unplanned stop that has lasted longer than allowed."""
    if state is not StateClass.UNPLANNED_STOP or since is None:
        return False
    return (now - since).total_seconds() > cond.minutes * 60


def idle_in_shift_holds(
    cond: IdleInShiftCondition,
    state: StateClass | None,
    since: datetime | None,
    in_shift: bool,
    now: datetime,
) -> bool:
    """Idle for longer than allowed while a production shift is planned."""
    if not in_shift or state is not StateClass.IDLE or since is None:
        return False
    return (now - since).total_seconds() > cond.minutes * 60


def behind_target_holds(
    cond: BehindTargetCondition, elapsed: float | None, actual: float | None, judged: bool = False
) -> bool | None:
    """Past the set point of the shift, behind target; False outside a shift.

    ``elapsed`` is the share of the shift gone by (None: no shift running), ``actual`` the
    shift's OEE as a fraction or its good output so far. A shift once ``judged`` behind stays
    so until it ends (a figure hovering about its target would chatter); the next shift's
    start, before its own set point, clears it.
    """
    if elapsed is None:
        return False
    if elapsed < cond.at_fraction:
        return False if judged else None
    if judged:
        return True
    if actual is None:
        return None
    expected = cond.target if cond.measure == "oee" else cond.target * elapsed
    return actual < expected


def anomaly_holds(cond: AnomalyCondition, score: float) -> bool:
    """A score above the threshold."""
    return score > cond.threshold


def disk_budget_holds(cond: DiskBudgetCondition, percent: float) -> bool:
    """The store uses at least its share of the disk budget."""
    return percent >= cond.percent


def remember(memory: Memory, raw: bool, at: datetime) -> Memory:
    """The memory after seeing ``raw`` at ``at`` (the raw condition's age restarts on change)."""
    if memory.raw_since is not None and raw == memory.raw:
        return memory
    return Memory(raw, at, memory.last_value, memory.last_ts)


def delayed(
    active: bool, memory: Memory, at: datetime, on_delay_s: float, off_delay_s: float
) -> bool:
    """The condition after delays: it changes only once the raw one has held long enough."""
    if memory.raw == active or memory.raw_since is None:
        return active
    held = (at - memory.raw_since).total_seconds()
    needed = on_delay_s if memory.raw else off_delay_s
    return memory.raw if held >= needed else active
