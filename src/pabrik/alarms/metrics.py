"""Alarm-system performance after ISA-18.2 and EEMUA 191, as pure functions of the alarm log."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from pabrik.alarms.definitions import Priority
from pabrik.alarms.states import AlarmState

PERIOD = timedelta(minutes=10)
FLOOD_ABOVE = 10
CHATTER_COUNT = 3
CHATTER_WINDOW = timedelta(seconds=60)
STALE_AFTER = timedelta(hours=24)
FLEETING_BELOW = timedelta(seconds=5)
RECOMMENDED_MIX = {Priority.HIGH: 0.05, Priority.MEDIUM: 0.15, Priority.LOW: 0.80}


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One stored transition of one alarm, as the figures need it."""

    key: str
    position: str
    priority: Priority
    at: datetime
    event: str
    before: AlarmState
    after: AlarmState
    occurrence: bool


@dataclass(frozen=True, slots=True)
class PositionLoad:
    """How many alarms one operator position received."""

    position: str
    alarms: int
    per_10_min: float
    per_hour: float
    peak_10_min: int
    flood_share: float


@dataclass(frozen=True, slots=True)
class Offender:
    """An alarm worth fixing, with why."""

    key: str
    count: int
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Performance:
    """The alarm-performance figures of one period."""

    start: datetime
    end: datetime
    total: int
    positions: tuple[PositionLoad, ...]
    flood_share: float
    peak_10_min: int
    top10_share: float
    chattering: tuple[str, ...]
    fleeting: tuple[str, ...]
    stale: tuple[str, ...]
    shelved_s: dict[str, float]
    priority_mix: dict[Priority, float]
    fix_first: tuple[Offender, ...]


def periods(start: datetime, end: datetime) -> int:
    """How many 10-minute periods [start, end) spans (at least one)."""
    return max(1, math.ceil((end - start) / PERIOD))


def _bucket(start: datetime, at: datetime) -> int:
    return (at - start) // PERIOD


def occurrences(log: Iterable[LogEntry], start: datetime, end: datetime) -> list[LogEntry]:
    """The announced alarms in [start, end), oldest first."""
    return sorted((e for e in log if e.occurrence and start <= e.at < end), key=lambda e: e.at)


def position_load(alarms: Sequence[LogEntry], start: datetime, end: datetime) -> PositionLoad:
    """Rate, peak and flood share for the alarms of one position."""
    n = periods(start, end)
    per_bucket = Counter(_bucket(start, a.at) for a in alarms)
    hours = (end - start).total_seconds() / 3600 or 1.0
    floods = sum(1 for count in per_bucket.values() if count > FLOOD_ABOVE)
    return PositionLoad(
        position=alarms[0].position if alarms else "",
        alarms=len(alarms),
        per_10_min=len(alarms) / n,
        per_hour=len(alarms) / hours,
        peak_10_min=max(per_bucket.values(), default=0),
        flood_share=floods / n,
    )


def chattering(alarms: Sequence[LogEntry]) -> list[str]:
    """Alarms announced 3 or more times within 60 seconds."""
    times: dict[str, list[datetime]] = defaultdict(list)
    for a in alarms:
        times[a.key].append(a.at)
    found = []
    for key, ats in times.items():
        ats.sort()
        span = CHATTER_COUNT - 1
        if any(ats[i + span] - ats[i] <= CHATTER_WINDOW for i in range(len(ats) - span)):
            found.append(key)
    return sorted(found)


def active_spans(log: Iterable[LogEntry], end: datetime) -> list[tuple[str, datetime, datetime]]:
    """Each announced alarm's active span, to its clear (or ``end`` when still active)."""
    opened: dict[str, datetime] = {}
    spans = []
    for e in sorted(log, key=lambda e: e.at):
        if e.occurrence:
            opened.setdefault(e.key, e.at)
        elif e.event == "clear" and e.key in opened:
            spans.append((e.key, opened.pop(e.key), e.at))
    spans.extend((key, at, end) for key, at in opened.items())
    return spans


def shelved_seconds(log: Iterable[LogEntry], start: datetime, end: datetime) -> dict[str, float]:
    """Seconds each alarm spent shelved within [start, end)."""
    since: dict[str, datetime] = {}
    total: dict[str, float] = defaultdict(float)

    def close(key: str, until: datetime) -> None:
        began = max(since.pop(key), start)
        total[key] += max(0.0, (min(until, end) - began).total_seconds())

    for e in sorted(log, key=lambda e: e.at):
        if e.after is AlarmState.SHELVED and e.key not in since:
            since[e.key] = e.at
        elif e.after is not AlarmState.SHELVED and e.key in since:
            close(e.key, e.at)
    for key in list(since):
        close(key, end)
    return {k: v for k, v in sorted(total.items()) if v > 0}


def priority_mix(alarms: Sequence[LogEntry]) -> dict[Priority, float]:
    """Share of announced alarms per priority (diagnostic ones included)."""
    counts = Counter(a.priority for a in alarms)
    n = len(alarms) or 1
    return {p: counts.get(p, 0) / n for p in Priority}


def _fix_first(
    counts: Counter[str], flags: dict[str, list[str]], limit: int = 10
) -> tuple[Offender, ...]:
    keys = set(counts) | set(flags)
    ranked = sorted(keys, key=lambda k: (-len(flags.get(k, [])), -counts.get(k, 0), k))
    return tuple(Offender(k, counts.get(k, 0), tuple(flags.get(k, []))) for k in ranked[:limit])


def performance(log: Sequence[LogEntry], start: datetime, end: datetime) -> Performance:
    """Every figure for the period [start, end) from the alarm log."""
    alarms = occurrences(log, start, end)
    by_position: dict[str, list[LogEntry]] = defaultdict(list)
    for a in alarms:
        by_position[a.position].append(a)
    loads = tuple(position_load(v, start, end) for _, v in sorted(by_position.items()))
    counts = Counter(a.key for a in alarms)
    spans = [s for s in active_spans(log, end) if s[2] > start and s[1] < end]
    fleeting = sorted({k for k, a, b in spans if b - a < FLEETING_BELOW})
    stale = sorted({k for k, a, b in spans if b - a > STALE_AFTER})
    chatter = chattering(alarms)
    flags: dict[str, list[str]] = defaultdict(list)
    for key, n in counts.most_common(10):
        if n > 1:
            flags[key].append("frequent")
    for name, keys in (("chattering", chatter), ("fleeting", fleeting), ("stale", stale)):
        for key in keys:
            flags[key].append(name)
    top10 = sum(n for _, n in counts.most_common(10))
    n_periods = periods(start, end) * max(1, len(loads))
    return Performance(
        start=start,
        end=end,
        total=len(alarms),
        positions=loads,
        flood_share=sum(p.flood_share for p in loads) * periods(start, end) / n_periods,
        peak_10_min=max((p.peak_10_min for p in loads), default=0),
        top10_share=top10 / len(alarms) if alarms else 0.0,
        chattering=tuple(chatter),
        fleeting=tuple(fleeting),
        stale=tuple(stale),
        shelved_s=shelved_seconds(log, start, end),
        priority_mix=priority_mix(alarms),
        fix_first=_fix_first(counts, flags),
    )
