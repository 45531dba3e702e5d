"""Named windows: the production day tiles time from one day's first shift to the next's."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest

from pabrik.model.errors import InvalidRequestError
from pabrik.model.fields import Text
from pabrik.model.shifts import Shift
from pabrik.model.windows import (
    WindowName,
    custom_window,
    named_window,
    production_day_start,
)

from .calendars import DAY, NIGHT, calendar, utc


def test_inside_a_night_shift_today_is_the_production_day_it_started_on() -> None:
    """At 03:00 in the night shift begun on the 15th, today is the 15th: from its 06:00 shift."""
    cal = calendar(DAY, NIGHT)
    now = utc(2024, 1, 16, 2)  # 03:00 local
    assert production_day_start(cal, now) == utc(2024, 1, 15, 5)
    only_nights = calendar(NIGHT)
    assert production_day_start(only_nights, now) == utc(2024, 1, 15, 21)


def test_today_starts_at_the_first_shift_of_the_day_during_the_day_shift() -> None:
    cal = calendar(DAY, NIGHT)
    now = utc(2024, 1, 16, 9)  # 10:00 local, day shift started 06:00 local
    assert production_day_start(cal, now) == utc(2024, 1, 16, 5)


def test_before_the_first_shift_today_is_still_yesterdays_production_day() -> None:
    """Days tile: at 04:00, before the 06:00 shift, the day that began yesterday 06:00 runs on."""
    cal = calendar(DAY)
    now = utc(2024, 1, 16, 3)  # 04:00 local
    assert production_day_start(cal, now) == utc(2024, 1, 15, 5)


def test_a_day_without_shifts_starts_at_local_midnight() -> None:
    weekdays = Shift(id="day", name=Text(id="Pagi"), start=time(6), end=time(14), days=["mon"])
    cal = calendar(weekdays)
    sunday = utc(2024, 1, 21, 9)  # no shift on Sunday: the day began at local midnight
    assert production_day_start(cal, sunday) == utc(2024, 1, 20, 23)


def test_day_window_runs_to_the_next_days_first_shift_and_only_now_is_measured() -> None:
    cal = calendar(DAY, NIGHT)
    now = utc(2024, 1, 16, 9)
    w = named_window(cal, "day", now)
    assert (w.start, w.end) == (utc(2024, 1, 16, 5), utc(2024, 1, 17, 5))
    assert w.measured_end == now
    assert w.future == utc(2024, 1, 17, 5) - now


def test_seven_days_are_seven_whole_production_days_today_included() -> None:
    cal = calendar(DAY, NIGHT)
    now = utc(2024, 1, 16, 9)
    w = named_window(cal, WindowName.DAYS_7, now)
    assert (w.start, w.end) == (utc(2024, 1, 10, 5), utc(2024, 1, 17, 5))
    assert named_window(cal, "30d", now).start == utc(2023, 12, 18, 5)


def test_shift_window_is_the_running_shift_or_the_last_one() -> None:
    cal = calendar(DAY)
    during = named_window(cal, "shift", utc(2024, 1, 16, 9))
    assert (during.start, during.end) == (utc(2024, 1, 16, 5), utc(2024, 1, 16, 13))
    after = named_window(cal, "shift", utc(2024, 1, 16, 20))
    assert (after.start, after.end) == (during.start, during.end)
    assert after.future == timedelta(0)


def test_a_window_wholly_ahead_measures_nothing() -> None:
    now = utc(2025, 1, 1)
    w = custom_window(utc(2030, 1, 1), utc(2030, 1, 2), now)
    assert w.is_future
    assert w.measured is None
    assert w.future == timedelta(days=1)


def test_a_straddling_window_is_measured_up_to_now() -> None:
    now = utc(2025, 1, 1, 12)
    w = custom_window(now - timedelta(hours=1), now + timedelta(hours=1), now)
    assert w.measured is not None
    assert w.measured.end == now
    assert w.future == timedelta(hours=1)


@pytest.mark.parametrize(
    ("start", "end", "reason"),
    [
        (utc(2025, 1, 2), utc(2025, 1, 1), "window_order"),
        (utc(2024, 1, 1), utc(2025, 3, 1), "window_too_long"),
        (datetime(2025, 1, 1), utc(2025, 1, 2), "naive_datetime"),  # noqa: DTZ001
        (utc(1969, 12, 31), utc(1970, 1, 2), "window_years"),
    ],
)
def test_one_window_check_refuses_bad_bounds_with_a_reason(
    start: datetime, end: datetime, reason: str
) -> None:
    with pytest.raises(InvalidRequestError) as err:
        custom_window(start, end, utc(2025, 1, 1))
    assert err.value.details["reason"] == reason


def test_an_unknown_window_name_lists_the_choices() -> None:
    with pytest.raises(InvalidRequestError, match="shift, day, 7d, 30d"):
        named_window(calendar(DAY), "week", utc(2025, 1, 1))
