"""OEE factors from elements: exact, raw, with reasons instead of made-up values."""

from __future__ import annotations

from fractions import Fraction

from pabrik.kpi.elements import Elements, sum_elements
from pabrik.kpi.oee import Flag, NoValue, availability, combined_oee, oee, ratio

HOUR = 3_600_000


def _shift(apt_h: int, pbt_h: int, pq: int, gq: int, pri_ms: int) -> Elements:
    return Elements(
        pot=pbt_h * HOUR,
        pbt=pbt_h * HOUR,
        apt=apt_h * HOUR,
        adet=(pbt_h - apt_h) * HOUR,
        pq=pq,
        gq=gq,
        sq=pq - gq,
        ideal_ms=Fraction(pq * pri_ms),
        ideal_good_ms=Fraction(gq * pri_ms),
    )


def test_oee_is_the_product_of_availability_performance_and_quality() -> None:
    result = oee(_shift(apt_h=6, pbt_h=8, pq=18_000, gq=17_100, pri_ms=1000))
    assert result.availability == Fraction(3, 4)
    assert result.performance == Fraction(5, 6)
    assert result.quality == Fraction(19, 20)
    assert result.oee == Fraction(3, 4) * Fraction(5, 6) * Fraction(19, 20)
    assert result.missing == {}
    assert result.flags == frozenset()


def test_no_planned_busy_time_gives_no_value_with_a_reason() -> None:
    result = oee(Elements())
    assert (result.availability, result.oee) == (None, None)
    assert result.missing["availability"] is NoValue.NO_PLANNED_BUSY_TIME
    assert result.missing["oee"] is NoValue.NO_PLANNED_BUSY_TIME
    assert result.missing["performance"] is NoValue.NO_PRODUCTION_TIME
    assert result.missing["quality"] is NoValue.NO_UNITS_PRODUCED


def test_no_units_gives_no_quality_rather_than_one_hundred_percent() -> None:
    """Running without output: quality is undefined, but fully productive time is 0, so OEE is 0."""
    result = oee(_shift(apt_h=8, pbt_h=8, pq=0, gq=0, pri_ms=1000))
    assert result.quality is None
    assert result.performance == 0
    assert result.oee == 0
    assert result.missing == {"quality": NoValue.NO_UNITS_PRODUCED}


def test_machine_down_all_planned_time_has_zero_oee() -> None:
    """No run and no units over real PBT: fully productive time is 0, so OEE is a true 0."""
    result = oee(_shift(apt_h=0, pbt_h=8, pq=0, gq=0, pri_ms=1000))
    assert result.availability == 0
    assert result.performance is None
    assert result.oee == 0
    assert "oee" not in result.missing


def test_units_without_production_time_are_flagged_and_give_no_oee() -> None:
    result = oee(_shift(apt_h=0, pbt_h=8, pq=10, gq=10, pri_ms=1000))
    assert result.oee is None
    assert result.missing["oee"] is NoValue.NO_PRODUCTION_TIME
    assert Flag.UNITS_WITHOUT_PRODUCTION_TIME in result.flags


def test_performance_above_one_is_reported_raw_and_flagged() -> None:
    result = oee(_shift(apt_h=1, pbt_h=1, pq=4000, gq=4000, pri_ms=1000))
    assert result.performance == Fraction(10, 9)
    assert result.oee == Fraction(10, 9)
    assert Flag.PERFORMANCE_ABOVE_ONE in result.flags


def test_unknown_time_is_flagged_and_left_out_of_the_denominator() -> None:
    """Half an hour known running, half an hour with no data: availability is 100 %, not 50 %."""
    e = Elements(pot=HOUR, pbt=HOUR, apt=HOUR // 2, unknown=HOUR // 2)
    assert Flag.UNKNOWN_TIME in oee(e).flags
    assert oee(e).availability == Fraction(1)


def test_time_before_the_first_data_does_not_drag_availability_to_zero() -> None:
    """3 h 55 min unknown then 2 min running: availability is over the 2 known minutes."""
    minute = 60_000
    e = Elements(pot=237 * minute, pbt=237 * minute, apt=2 * minute, unknown=235 * minute)
    assert oee(e).availability == Fraction(1)


def test_line_oee_is_oee_of_summed_elements_not_an_average() -> None:
    good = _shift(apt_h=8, pbt_h=8, pq=28_800, gq=28_800, pri_ms=1000)  # OEE 1
    poor = _shift(apt_h=1, pbt_h=2, pq=1_800, gq=1_800, pri_ms=1000)  # OEE 1/4
    line = combined_oee([good, poor])
    assert line.oee == Fraction(28_800 + 1_800, 10 * 3_600)
    assert line.oee != (Fraction(1) + Fraction(1, 4)) / 2
    assert line.elements == sum_elements([good, poor])


def test_ratio_with_zero_denominator_carries_its_reason() -> None:
    assert ratio(5, 0, NoValue.NO_UNITS_PRODUCED).missing is NoValue.NO_UNITS_PRODUCED
    assert ratio(1, 3, NoValue.NO_UNITS_PRODUCED).value == Fraction(1, 3)
    assert availability(Elements(pbt=4, apt=1)).value == Fraction(1, 4)


def test_a_window_with_no_recorded_state_has_no_oee_rather_than_zero() -> None:
    from pabrik.kpi.elements import Elements
    from pabrik.kpi.oee import NoValue, oee

    result = oee(Elements(pot=1000, pbt=1000, unknown=1000))
    assert result.oee is None
    assert result.availability is None
    assert result.missing["oee"] is NoValue.NO_STATE_DATA
