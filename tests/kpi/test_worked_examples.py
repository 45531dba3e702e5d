"""Published and constructed OEE examples (reference/kpi.md section 5), reproduced exactly."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest

from pabrik.kpi.elements import Elements
from pabrik.kpi.oee import Flag, oee
from pabrik.kpi.timemodel import account, cumulative_to_deltas, elements
from pabrik.model.calendar import Interval, ShiftInstance, shift_instances
from pabrik.model.fields import Text
from pabrik.model.shifts import Break, Calendar, Shift

from .builders import (
    CHANGEOVER,
    HOUR,
    IDLE,
    MIN,
    PLANNED,
    RUNNING,
    UNKNOWN,
    UNPLANNED,
    at,
    count,
    machine,
    shift,
    state,
    window,
)

BERLIN = ZoneInfo("Europe/Berlin")
JAKARTA = ZoneInfo("Asia/Jakarta")


def _local(zone: ZoneInfo, day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=zone).astimezone(UTC)


def _calendar_shift(zone: ZoneInfo, start: time, end: time, *breaks: tuple[time, time]) -> Shift:
    return Shift(
        id="s",
        name=Text(id="Shift"),
        start=start,
        end=end,
        breaks=[Break(start=b0, end=b1) for b0, b1 in breaks],
    )


def test_t1_vorne_canonical_shift() -> None:
    """Vorne/oee.com: 480 min shift, 60 min of breaks, 47 min down, 1 s ideal, 19,271 made."""
    day = date(2024, 9, 3)
    cal = Calendar(
        timezone="Asia/Jakarta",
        shifts=[
            _calendar_shift(
                JAKARTA,
                time(6),
                time(14),
                (time(8), time(8, 15)),
                (time(10), time(10, 30)),
                (time(12), time(12, 15)),
            )
        ],
    )
    start, end = _local(JAKARTA, day, 6), _local(JAKARTA, day, 14)
    shifts = list(shift_instances(cal, start, end))
    states = [
        state(start, RUNNING),
        state(_local(JAKARTA, day, 9), UNPLANNED, "jam"),
        state(_local(JAKARTA, day, 9, 47), RUNNING),
        # The machine idles through the meal break: the break is PDOT, not ADOT.
        state(_local(JAKARTA, day, 10), IDLE),
        state(_local(JAKARTA, day, 10, 30), RUNNING),
    ]
    counts = [count(_local(JAKARTA, day, 10), 9000, 200), count(end, 9848, 223)]

    e = elements(Interval(start, end), shifts, states, counts, machine("1.0"))
    result = oee(e)

    assert (e.pot, e.pdot, e.pbt, e.apt, e.adet) == (
        480 * MIN,
        60 * MIN,
        420 * MIN,
        373 * MIN,
        47 * MIN,
    )
    assert (e.pq, e.gq, e.sq) == (19_271, 18_848, 423)
    assert result.availability == Fraction(373, 420)
    assert result.performance == Fraction(19_271, 22_380)
    assert result.quality == Fraction(18_848, 19_271)
    assert result.oee == Fraction(1178, 1575)
    assert e.ideal_good_ms / e.pbt == result.oee  # fully productive time / PBT
    assert round(float(result.oee) * 100, 2) == 74.79


def test_t2_vorne_worksheet() -> None:
    """Vorne worksheet: 480 min, breaks 15 + 30 min, 30 min down, 2 ppm ideal, 700 made, 25 bad."""
    shifts = [shift(at(6), at(14), (at(9), at(9, 15)), (at(11), at(11, 30)))]
    states = [state(at(6), RUNNING), state(at(12), UNPLANNED), state(at(12, 30), RUNNING)]
    counts = [count(at(14), 675, 25)]

    result = oee(elements(window(at(6), at(14)), shifts, states, counts, machine("30")))

    assert result.elements.pbt == 435 * MIN
    assert result.elements.apt == 405 * MIN
    assert result.availability == Fraction(27, 29)
    assert result.performance == Fraction(70, 81)
    assert result.quality == Fraction(27, 28)
    assert result.oee == Fraction(45, 58)


def test_t7_flux_state_stream_with_cumulative_counters() -> None:
    """InfluxData Flux oee.APQ test: 4 h of data against 8 h of planned time.

    Flux divides run time by an 8 h planned-time parameter while its rows cover only
    00:00-04:00, i.e. it treats the 4 h after the data as planned time in which the machine
    did not run. Here the plan is an 8 h shift and those 4 h are an explicit idle state from
    04:00, which gives the published availability 3/8. (Were they unknown, pabrik would leave
    them out of the denominator and say so: see the test below.)
    """
    rows = [
        (at(0), RUNNING, 1200, 10),
        (at(1), RUNNING, 1300, 11),
        (at(2), UNPLANNED, 1400, 11),
        (at(3), RUNNING, 1400, 11),
        (at(3, 30), RUNNING, 1440, 14),
    ]
    parts = cumulative_to_deltas([(ts, part) for ts, _, part, _ in rows])
    bad = cumulative_to_deltas([(ts, b) for ts, _, _, b in rows])
    counts = [count(ts, p - b, b) for (ts, p), (_, b) in zip(parts, bad, strict=True)]
    states = [state(ts, cls) for ts, cls, _, _ in rows] + [state(at(4), IDLE)]

    result = oee(
        elements(window(at(0), at(8)), [shift(at(0), at(8))], states, counts, machine("30"))
    )

    assert result.elements.apt == 3 * HOUR
    assert result.elements.adot == 4 * HOUR
    assert (result.elements.pq, result.elements.sq) == (240, 4)
    assert result.availability == Fraction(3, 8) == Fraction("0.375")
    assert result.performance == Fraction(2, 3)
    assert result.quality == Fraction(59, 60)
    assert result.oee == Fraction(59, 240)
    assert float(result.oee) == 0.24583333333333332


def test_t7_with_the_last_four_hours_unknown_divides_by_known_time_only() -> None:
    """The same rows with no state after 04:00: availability is over the 4 known hours."""
    rows = [(at(0), RUNNING), (at(2), UNPLANNED), (at(3), RUNNING)]
    states = [state(ts, cls) for ts, cls in rows] + [state(at(4), UNKNOWN)]

    result = oee(elements(window(at(0), at(8)), [shift(at(0), at(8))], states, [], machine("30")))

    assert result.elements.unknown == 4 * HOUR
    assert result.availability == Fraction(3, 4)
    assert Flag.UNKNOWN_TIME in result.flags


def test_t9_rhize_state_stream_reports_effectiveness_above_one() -> None:
    """Rhize example 1: 09:00-12:00 window, 10 s planned cycle, 800 good + 200 scrap at 12:00."""
    states = [
        state(at(9), RUNNING),
        state(at(10, 30), UNPLANNED),
        state(at(11), RUNNING),
        state(at(12), IDLE),
    ]
    # The day shift is longer than the window: only the window's part is planned time.
    result = oee(
        elements(
            window(at(9), at(12)),
            [shift(at(8), at(16))],
            states,
            [count(at(12), 800, 200)],
            machine("10"),
        )
    )

    assert (result.elements.apt, result.elements.adet) == (9000 * 1000, 1800 * 1000)
    assert (result.elements.pq, result.elements.gq) == (1000, 800)
    assert result.availability == Fraction(5, 6)
    assert result.performance == Fraction(10, 9)
    assert result.quality == Fraction(4, 5)
    assert result.oee == Fraction(20, 27)
    assert Flag.PERFORMANCE_ABOVE_ONE in result.flags


NIGHT = Shift(
    id="night",
    name=Text(id="Malam"),
    start=time(22),
    end=time(6),
    breaks=[Break(start=time(2), end=time(2, 30))],
)


def _night(day: date) -> tuple[Interval, list[ShiftInstance]]:
    cal = Calendar(timezone="Europe/Berlin", shifts=[NIGHT])
    start = _local(BERLIN, day, 12)
    shifts = [
        i
        for i in shift_instances(cal, start, start + timedelta(hours=24))
        if i.production_day == day
    ]
    return Interval(shifts[0].start, shifts[0].end), shifts


def test_t10_iso_night_shift_elements_and_oee() -> None:
    """Constructed ISO 22400 night shift in Berlin on 2024-01-15 (8 h elapsed)."""
    day, nxt = date(2024, 1, 15), date(2024, 1, 16)
    win, shifts = _night(day)
    states = [
        state(_local(BERLIN, day, 22), CHANGEOVER, "die_change"),
        state(_local(BERLIN, day, 22, 20), RUNNING),
        state(_local(BERLIN, nxt, 1), UNPLANNED, "jam"),
        state(_local(BERLIN, nxt, 1, 15), RUNNING),
        # The machine reports the break as a planned stop: it must not count twice.
        state(_local(BERLIN, nxt, 2), PLANNED, "break"),
        state(_local(BERLIN, nxt, 2, 30), RUNNING),
        state(_local(BERLIN, nxt, 5), IDLE, "no_order"),
        state(_local(BERLIN, nxt, 5, 40), RUNNING),
    ]
    counts = [
        count(_local(BERLIN, nxt, 2), 1000, 10),
        count(_local(BERLIN, nxt, 6), 960, 20, 10),
    ]

    acc = account(win, shifts, states, counts, machine("10.8"))
    e = acc.elements
    result = oee(e)

    assert e == Elements(
        pot=480 * MIN,
        pdot=30 * MIN,
        pbt=450 * MIN,
        apt=375 * MIN,
        aust=20 * MIN,
        adet=15 * MIN,
        adot=40 * MIN,
        unknown=0,
        pq=2000,
        gq=1960,
        sq=30,
        rq=10,
        ideal_ms=Fraction(2000 * 10_800),
        ideal_good_ms=Fraction(1960 * 10_800),
    )
    assert (e.aupt, e.aubt, e.aubt + e.adot) == (395 * MIN, 410 * MIN, e.pbt)
    assert e.tiled
    assert result.availability == Fraction(5, 6)
    assert result.performance == Fraction("0.96")
    assert result.quality == Fraction("0.98")
    assert result.oee == Fraction("0.784")
    assert acc.downtime_by_reason() == {
        "die_change": 20 * MIN,
        "jam": 15 * MIN,
        "no_order": 40 * MIN,
    }


@pytest.mark.parametrize(
    ("day", "pot_hours"),
    [(date(2024, 1, 15), 8), (date(2024, 3, 30), 7), (date(2024, 10, 26), 9)],
)
def test_t10_night_shift_planned_time_follows_dst(day: date, pot_hours: int) -> None:
    """The same local night shift plans 7 h or 9 h on DST nights; the break stays 30 min."""
    win, shifts = _night(day)
    e = elements(win, shifts, [state(win.start, RUNNING)], [], machine("10.8"))
    assert e.pot == pot_hours * HOUR
    assert e.pdot == 30 * MIN
    assert e.pbt == e.apt == pot_hours * HOUR - 30 * MIN
    assert oee(e).availability == 1
