"""Named time windows (shift, day, 7 and 30 days, custom) and the one check of a window's bounds.

"Day" is the production day everywhere: it starts at the first shift of the day (see
`calendar.production_day_start`), so a night shift is never split across two days. The
7- and 30-day windows are that many production days, today included. A window may reach
past "now"; that part is never measured, and `Window.future` says how much was left out.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from pabrik.model.calendar import Interval, active_shift, shift_instances
from pabrik.model.errors import InvalidRequestError
from pabrik.model.shifts import Calendar

MAX_WINDOW = timedelta(days=400)
ONE_DAY = timedelta(days=1)
FIRST_YEAR, LAST_YEAR = 1970, 2200


class WindowName(StrEnum):
    """The windows every surface offers."""

    SHIFT = "shift"
    DAY = "day"
    DAYS_7 = "7d"
    DAYS_30 = "30d"
    CUSTOM = "custom"


NAMED_DAYS = {WindowName.DAY: 1, WindowName.DAYS_7: 7, WindowName.DAYS_30: 30}


@dataclass(frozen=True, slots=True)
class Window:
    """A period [start, end) seen at ``now``: only [start, min(end, now)) can be measured."""

    name: WindowName
    start: datetime
    end: datetime
    now: datetime

    @property
    def measured_end(self) -> datetime:
        """Where measuring stops: the end, or now when the window reaches past it."""
        return max(self.start, min(self.end, self.now))

    @property
    def measured(self) -> Interval | None:
        """The part that can be measured, or None when the window lies wholly ahead."""
        return Interval(self.start, self.measured_end) if self.measured_end > self.start else None

    @property
    def future(self) -> timedelta:
        """How much of the window lies after now and was left out."""
        return self.end - self.measured_end

    @property
    def is_future(self) -> bool:
        """Whether the whole window lies after now."""
        return self.start >= self.now


def check_window(start: datetime, end: datetime) -> None:
    """Refuse windows that are naive, reversed, longer than 400 days or outside sane years."""
    if start.tzinfo is None or end.tzinfo is None:
        raise InvalidRequestError("window times need a UTC offset", reason="naive_datetime")
    if end <= start:
        raise InvalidRequestError(
            "'to' must be after 'from'",
            reason="window_order",
            start=start.isoformat(),
            end=end.isoformat(),
        )
    if not (start.year >= FIRST_YEAR and end.year <= LAST_YEAR):
        raise InvalidRequestError(
            f"the window must lie between {FIRST_YEAR} and {LAST_YEAR}", reason="window_years"
        )
    if end - start > MAX_WINDOW:
        raise InvalidRequestError(
            f"the window is longer than {MAX_WINDOW.days} days; ask for a shorter one",
            reason="window_too_long",
            days=(end - start).days,
        )


def parse_window_name(value: str) -> WindowName:
    """A window name from a query or an option, or a clear error listing the choices."""
    try:
        return WindowName(value)
    except ValueError as err:
        choices = ", ".join(w.value for w in WindowName if w is not WindowName.CUSTOM)
        raise InvalidRequestError(
            f"window must be one of {choices}", reason="bad_window", window=value[:20]
        ) from err


def custom_window(start: datetime, end: datetime, now: datetime) -> Window:
    """A checked custom window."""
    check_window(start, end)
    return Window(WindowName.CUSTOM, start, end, now)


def days_window(calendar: Calendar, first: date, last: date, now: datetime) -> Window:
    """Production days ``first`` to ``last``, both included, as a checked custom window."""
    if not (first.year >= FIRST_YEAR and last.year < LAST_YEAR):
        raise InvalidRequestError(
            f"the window must lie between {FIRST_YEAR} and {LAST_YEAR}", reason="window_years"
        )
    if last < first:
        raise InvalidRequestError(
            "the last day must not be before the first",
            reason="window_order",
            start=first.isoformat(),
            end=last.isoformat(),
        )
    start, end = day_start(calendar, first), day_start(calendar, last + ONE_DAY)
    return custom_window(start, end, now)


def named_window(calendar: Calendar, name: WindowName | str, now: datetime) -> Window:
    """The named window that contains ``now``: this shift, this production day, or N days."""
    kind = parse_window_name(name) if isinstance(name, str) else name
    if kind is WindowName.CUSTOM:
        raise InvalidRequestError("a custom window needs 'from' and 'to'", reason="bad_window")
    if kind is WindowName.SHIFT:
        span = current_shift(calendar, now)
        return Window(kind, span.start, span.end, now)
    today = production_day_of(calendar, now)
    first = today - timedelta(days=NAMED_DAYS[kind] - 1)
    return Window(kind, day_start(calendar, first), day_start(calendar, today + ONE_DAY), now)


def current_shift(calendar: Calendar, now: datetime) -> Interval:
    """The running shift, or the last one that ended when none runs (a day off, a gap)."""
    shift = active_shift(calendar, now)
    if shift is not None:
        return Interval(shift.start, shift.end)
    past = list(shift_instances(calendar, now - timedelta(days=8), now))
    if past:
        return Interval(past[-1].start, past[-1].end)
    return Interval(now - timedelta(hours=8), now)


def day_start(calendar: Calendar, day: date) -> datetime:
    """Where production day ``day`` starts: its first shift, or local midnight without one."""
    zone = zoneinfo.ZoneInfo(calendar.timezone)
    midnight = datetime.combine(day, time(0), tzinfo=zone)
    firsts = [
        i.start
        for i in shift_instances(calendar, midnight - ONE_DAY, midnight + 2 * ONE_DAY)
        if i.production_day == day
    ]
    return min(firsts, default=midnight.astimezone(UTC))


def production_day_of(calendar: Calendar, t: datetime) -> date:
    """The production day that ``t`` falls in: days run from one day's start to the next's."""
    day = t.astimezone(zoneinfo.ZoneInfo(calendar.timezone)).date()
    # A day starts at its first shift, so before it (or in last night's shift) it is yesterday.
    for _ in range(3):
        if day_start(calendar, day) <= t:
            break
        day -= ONE_DAY
    return day


def production_day_start(calendar: Calendar, now: datetime) -> datetime:
    """Where "today" starts: the start of the production day that ``now`` falls in."""
    return day_start(calendar, production_day_of(calendar, now))


def production_day_window(calendar: Calendar, day: date, now: datetime) -> Window:
    """Production day ``day`` as a window (used by daily series such as energy)."""
    return Window(WindowName.DAY, day_start(calendar, day), day_start(calendar, day + ONE_DAY), now)
