"""Shift calendars: local shift patterns expanded into concrete UTC instances.

Rule for the production day: a shift belongs to the local date on which it
starts, so a 22:00-06:00 night shift started on Monday is Monday's shift.
Holidays remove whole shift instances by that production day: the night shift that
starts on the eve of a holiday still runs, the one that starts on the holiday does not.
A line with its own calendar keeps only its listed shifts and weekdays.
Durations are always taken between UTC instants, never local wall-clock times,
so DST nights come out 7 h or 9 h long.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from pabrik.model.shifts import Calendar, LineCalendar, Shift, Weekday

_WEEKDAYS = list(Weekday)


@dataclass(frozen=True, slots=True)
class Interval:
    """A half-open UTC interval [start, end)."""

    start: datetime
    end: datetime

    @property
    def duration(self) -> timedelta:
        """Elapsed time of the interval."""
        return self.end - self.start

    def clip(self, start: datetime, end: datetime) -> Interval | None:
        """The part inside [start, end), or None when they do not overlap."""
        s, e = max(self.start, start), min(self.end, end)
        return Interval(s, e) if s < e else None


@dataclass(frozen=True, slots=True)
class ShiftInstance:
    """One concrete occurrence of a shift, with its planned breaks, in UTC."""

    shift_id: str
    production_day: date
    start: datetime
    end: datetime
    breaks: tuple[Interval, ...]

    @property
    def key(self) -> str:
        """A stable identifier such as ``2024-01-15/night``."""
        return f"{self.production_day.isoformat()}/{self.shift_id}"

    def contains(self, t: datetime) -> bool:
        """Whether ``t`` falls inside the shift."""
        return self.start <= t < self.end


def _local(day: date, at: time, zone: zoneinfo.ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def _crosses(start: time, end: time) -> bool:
    return end <= start


def instance_on(shift: Shift, day: date, zone: zoneinfo.ZoneInfo) -> ShiftInstance | None:
    """The instance of ``shift`` that starts on local date ``day``, if it runs that day."""
    if _WEEKDAYS[day.weekday()] not in shift.days:
        return None
    end_day = day + timedelta(days=1) if _crosses(shift.start, shift.end) else day
    start = _local(day, shift.start, zone)
    end = _local(end_day, shift.end, zone)
    breaks: list[Interval] = []
    for brk in shift.breaks:
        b_day = day if brk.start >= shift.start else end_day
        b_end_day = b_day + timedelta(days=1) if _crosses(brk.start, brk.end) else b_day
        clipped = Interval(_local(b_day, brk.start, zone), _local(b_end_day, brk.end, zone)).clip(
            start, end
        )
        if clipped is not None:
            breaks.append(clipped)
    return ShiftInstance(shift.id, day, start, end, tuple(sorted(breaks, key=lambda b: b.start)))


def holiday_dates(calendar: Calendar, shipped: Mapping[str, Collection[date]]) -> frozenset[date]:
    """Days off: the shipped list of the country, plus extra days, minus working ones."""
    country = calendar.holidays.country
    listed = set(shipped.get(country, ())) if country else set()
    return frozenset((listed | set(calendar.holidays.extra)) - set(calendar.holidays.working))


def _works(inst: ShiftInstance, holidays: Collection[date], line: LineCalendar | None) -> bool:
    if inst.production_day in holidays:
        return False
    if line is None:
        return True
    if line.shifts is not None and inst.shift_id not in line.shifts:
        return False
    return line.days is None or _WEEKDAYS[inst.production_day.weekday()] in line.days


def shift_instances(
    calendar: Calendar,
    start: datetime,
    end: datetime,
    *,
    holidays: Collection[date] = (),
    line: LineCalendar | None = None,
) -> Iterator[ShiftInstance]:
    """Every shift instance that overlaps [start, end), in start order.

    Instances on ``holidays`` (by production day) and, when ``line`` is given, shifts or
    weekdays the line does not work are left out.
    """
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("shift_instances needs timezone-aware datetimes")
    zone = zoneinfo.ZoneInfo(calendar.timezone)
    day = start.astimezone(zone).date() - timedelta(days=1)
    last = end.astimezone(zone).date()
    found: list[ShiftInstance] = []
    while day <= last:
        for shift in calendar.shifts:
            inst = instance_on(shift, day, zone)
            # A shift inside a DST gap (e.g. 02:30-03:00 on spring-forward night) can come
            # out empty or even reversed in UTC; it has no time to plan, so it is skipped.
            if (
                inst is not None
                and inst.start < inst.end
                and inst.start < end
                and inst.end > start
                and _works(inst, holidays, line)
            ):
                found.append(inst)
        day += timedelta(days=1)
    yield from sorted(found, key=lambda i: i.start)


def active_shift(calendar: Calendar, t: datetime) -> ShiftInstance | None:
    """The shift running at ``t``, including yesterday's night shift."""
    return next(
        (i for i in shift_instances(calendar, t, t + timedelta(microseconds=1)) if i.contains(t)),
        None,
    )
