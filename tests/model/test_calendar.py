"""Shift calendars expand local shift patterns into UTC instances, DST and midnight included."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from pabrik.model.calendar import (
    Interval,
    ShiftInstance,
    active_shift,
    shift_instances,
)
from pabrik.model.fields import Text
from pabrik.model.shifts import Break, Calendar, Shift, Weekday

from .calendars import DAY, NIGHT, calendar, utc


def _night_on(day: date) -> list[ShiftInstance]:
    start = datetime.combine(day, time(12), tzinfo=UTC)
    return [
        i
        for i in shift_instances(calendar(NIGHT), start, start + timedelta(hours=12))
        if i.production_day == day
    ]


@pytest.mark.parametrize(
    ("day", "start", "end", "hours"),
    [
        (date(2024, 1, 15), utc(2024, 1, 15, 21), utc(2024, 1, 16, 5), 8),
        (date(2024, 3, 30), utc(2024, 3, 30, 21), utc(2024, 3, 31, 4), 7),
        (date(2024, 10, 26), utc(2024, 10, 26, 20), utc(2024, 10, 27, 5), 9),
    ],
)
def test_night_shift_lasts_elapsed_utc_time_across_dst(
    day: date, start: datetime, end: datetime, hours: int
) -> None:
    (inst,) = _night_on(day)
    assert (inst.start, inst.end) == (start, end)
    assert inst.end - inst.start == timedelta(hours=hours)
    assert inst.key == f"{day.isoformat()}/night"


def test_night_shift_break_after_midnight_falls_on_the_next_utc_day() -> None:
    (inst,) = _night_on(date(2024, 1, 15))
    assert inst.breaks == (Interval(utc(2024, 1, 16, 1), utc(2024, 1, 16, 1, 30)),)


def test_break_crossing_midnight_inside_night_shift_spans_both_days() -> None:
    shift = NIGHT.model_copy(update={"breaks": [Break(start=time(23, 30), end=time(0, 30))]})
    (inst,) = [
        i
        for i in shift_instances(calendar(shift), utc(2024, 1, 15, 12), utc(2024, 1, 16, 12))
        if i.production_day == date(2024, 1, 15)
    ]
    assert inst.breaks == (Interval(utc(2024, 1, 15, 22, 30), utc(2024, 1, 15, 23, 30)),)


def test_break_outside_its_shift_is_clipped_away() -> None:
    shift = DAY.model_copy(update={"breaks": [Break(start=time(5), end=time(6, 15))]})
    (inst,) = shift_instances(calendar(shift), utc(2024, 1, 15, 6), utc(2024, 1, 15, 7))
    assert inst.breaks == (Interval(utc(2024, 1, 15, 5), utc(2024, 1, 15, 5, 15)),)


def test_active_shift_after_midnight_is_yesterdays_night_shift() -> None:
    cal = calendar(DAY, NIGHT)
    inst = active_shift(cal, utc(2024, 1, 16, 2))  # 03:00 in Berlin
    assert inst is not None
    assert inst.key == "2024-01-15/night"


def test_active_shift_start_is_inclusive_and_end_exclusive() -> None:
    cal = calendar(DAY, NIGHT)
    at_change = active_shift(cal, utc(2024, 1, 16, 5))  # 06:00 Berlin: day starts
    assert at_change is not None
    assert at_change.key == "2024-01-16/day"


def test_no_active_shift_in_an_unplanned_gap() -> None:
    assert active_shift(calendar(DAY, NIGHT), utc(2024, 1, 16, 15)) is None  # 16:00 Berlin


def test_shift_instances_are_in_start_order_and_overlap_the_window() -> None:
    cal = calendar(NIGHT, DAY)
    found = list(shift_instances(cal, utc(2024, 1, 15, 0), utc(2024, 1, 16, 6)))
    assert [i.key for i in found] == [
        "2024-01-14/night",
        "2024-01-15/day",
        "2024-01-15/night",
        "2024-01-16/day",
    ]


def test_shift_runs_only_on_its_weekdays() -> None:
    friday_night = NIGHT.model_copy(update={"days": [Weekday.FRI]})
    found = list(shift_instances(calendar(friday_night), utc(2024, 1, 15), utc(2024, 1, 22)))
    assert [i.key for i in found] == ["2024-01-19/night"]


def test_shift_inside_a_dst_gap_is_skipped() -> None:
    ghost = Shift(id="ghost", name=Text(id="x"), start=time(2, 30), end=time(3))
    found = list(shift_instances(calendar(ghost), utc(2024, 3, 30, 12), utc(2024, 3, 31, 12)))
    assert found == []


def test_shift_instances_refuses_naive_datetimes() -> None:
    naive = datetime(2024, 1, 15)  # noqa: DTZ001 - the point of the test
    with pytest.raises(ValueError, match="timezone-aware"):
        list(shift_instances(calendar(DAY), naive, naive + timedelta(days=1)))


def test_jakarta_day_shift_is_utc_plus_seven() -> None:
    (inst,) = shift_instances(
        calendar(DAY, zone="Asia/Jakarta"), utc(2024, 1, 15, 0), utc(2024, 1, 15, 1)
    )
    assert (inst.start, inst.end) == (utc(2024, 1, 14, 23), utc(2024, 1, 15, 7))
    assert inst.breaks == (Interval(utc(2024, 1, 15, 3), utc(2024, 1, 15, 3, 30)),)


def test_interval_clip_returns_none_without_overlap() -> None:
    iv = Interval(utc(2024, 1, 1, 1), utc(2024, 1, 1, 2))
    assert iv.clip(utc(2024, 1, 1, 2), utc(2024, 1, 1, 3)) is None
    assert iv.clip(utc(2024, 1, 1, 0), utc(2024, 1, 1, 1, 30)) == Interval(
        utc(2024, 1, 1, 1), utc(2024, 1, 1, 1, 30)
    )


# -- holidays, line calendars and overlapping shifts (issue 3) ----------------------------

from pabrik.model.calendar import holiday_dates  # noqa: E402
from pabrik.model.shifts import Holidays, LineCalendar  # noqa: E402

JAKARTA_DAY = Shift(id="pagi", name=Text(id="Pagi"), start=time(7), end=time(15))
JAKARTA_NIGHT = Shift(id="malam", name=Text(id="Malam"), start=time(23), end=time(7))


def test_a_holiday_removes_the_shifts_that_start_on_it() -> None:
    cal = Calendar(
        timezone="Asia/Jakarta",
        shifts=[JAKARTA_DAY, JAKARTA_NIGHT],
        holidays=Holidays(country="ID", extra=[date(2025, 8, 18)], working=[date(2025, 5, 1)]),
    )
    days = holiday_dates(cal, {"ID": {date(2025, 8, 17), date(2025, 5, 1)}})
    assert days == {date(2025, 8, 17), date(2025, 8, 18)}
    found = list(shift_instances(cal, utc(2025, 8, 16), utc(2025, 8, 20), holidays=days))
    assert {i.production_day for i in found} == {date(2025, 8, 16), date(2025, 8, 19)}
    # The night shift of the eve still runs into the holiday morning.
    eve = [i for i in found if i.key == "2025-08-16/malam"]
    assert eve[0].end == utc(2025, 8, 17, 0)


def test_a_line_calendar_keeps_only_its_shifts_and_days() -> None:
    cal = Calendar(timezone="Asia/Jakarta", shifts=[JAKARTA_DAY, JAKARTA_NIGHT])
    line = LineCalendar(shifts=["pagi"], days=[Weekday.MON])
    found = list(shift_instances(cal, utc(2025, 1, 5), utc(2025, 1, 8), line=line))
    assert [i.key for i in found] == ["2025-01-06/pagi"]


def test_overlapping_shift_definitions_are_rejected_with_the_conflict_named() -> None:
    late = Shift(id="siang", name=Text(id="Siang"), start=time(14), end=time(22))
    with pytest.raises(
        ValueError, match="shifts 'pagi' and 'siang' overlap on mon from 14:00 to 15:00"
    ):
        Calendar(timezone="Asia/Jakarta", shifts=[JAKARTA_DAY, late])


def test_a_sunday_night_shift_overlapping_monday_morning_is_found() -> None:
    night = Shift(
        id="malam", name=Text(id="Malam"), start=time(22), end=time(8), days=[Weekday.SUN]
    )
    early = Shift(id="pagi", name=Text(id="Pagi"), start=time(6), end=time(14), days=[Weekday.MON])
    with pytest.raises(ValueError, match="overlap on mon from 06:00 to 08:00"):
        Calendar(timezone="Asia/Jakarta", shifts=[night, early])


def test_which_shift_is_active_finds_yesterdays_night_shift_in_jakarta() -> None:
    cal = Calendar(timezone="Asia/Jakarta", shifts=[JAKARTA_DAY, JAKARTA_NIGHT])
    inst = active_shift(cal, utc(2025, 1, 7, 22, 30))  # 05:30 local on 8 January
    assert inst is not None
    assert inst.key == "2025-01-07/malam"
