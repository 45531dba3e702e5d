"""The time model: states, shifts and counts become ISO 22400 elements."""

from __future__ import annotations

from fractions import Fraction

import pytest

from pabrik.kpi.account import DowntimeKey
from pabrik.kpi.timemodel import account, cumulative_to_deltas, elements
from pabrik.model.errors import InvalidRequestError
from pabrik.model.states import StateClass

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

M = machine("1", "2.5")
DAY_SHIFT = [shift(at(6), at(14))]


def test_last_state_before_the_window_is_carried_into_it() -> None:
    e = elements(window(at(8), at(10)), DAY_SHIFT, [state(at(5), RUNNING)], [], M)
    assert e.apt == 2 * HOUR


def test_time_before_the_first_known_state_is_unknown_not_production() -> None:
    e = elements(window(at(6), at(8)), DAY_SHIFT, [state(at(7), RUNNING)], [], M)
    assert (e.unknown, e.apt) == (HOUR, HOUR)


def test_no_states_at_all_leaves_planned_busy_time_unknown() -> None:
    e = elements(window(at(6), at(8)), DAY_SHIFT, [], [], M)
    assert (e.pbt, e.unknown, e.apt) == (2 * HOUR, 2 * HOUR, 0)


def test_last_state_runs_to_the_window_end() -> None:
    e = elements(window(at(6), at(14)), DAY_SHIFT, [state(at(13), IDLE)], [], M)
    assert (e.unknown, e.adot) == (7 * HOUR, HOUR)


def test_time_outside_shifts_is_not_planned_operation_time() -> None:
    states = [state(at(4), RUNNING)]
    e = elements(window(at(4), at(16)), DAY_SHIFT, states, [], M)
    assert (e.pot, e.pbt, e.apt) == (8 * HOUR, 8 * HOUR, 8 * HOUR)


def test_no_shift_means_no_planned_time() -> None:
    e = elements(window(at(6), at(8)), [], [state(at(6), RUNNING)], [count(at(7), 10)], M)
    assert e == type(e)()


@pytest.mark.parametrize(
    ("cls", "field"),
    [
        (RUNNING, "apt"),
        (CHANGEOVER, "aust"),
        (UNPLANNED, "adet"),
        (IDLE, "adot"),
        (PLANNED, "pdot"),
        (UNKNOWN, "unknown"),
    ],
)
def test_each_state_class_maps_to_its_iso_element(cls: object, field: str) -> None:
    e = elements(window(at(6), at(14)), DAY_SHIFT, [state(at(6), cls)], [], M)  # type: ignore[arg-type]
    assert getattr(e, field) == 8 * HOUR


@pytest.mark.parametrize("cls", list(StateClass))
def test_every_state_class_lands_in_exactly_one_element(cls: StateClass) -> None:
    e = elements(window(at(6), at(14)), DAY_SHIFT, [state(at(6), cls)], [], M)
    times = [e.apt, e.aust, e.adet, e.adot, e.pdot, e.unknown]
    assert sorted(times) == [0, 0, 0, 0, 0, 8 * HOUR]


def test_oee_excludes_planned_breaks_from_planned_busy_time() -> None:
    shifts = [shift(at(6), at(14), (at(10), at(10, 30)))]
    e = elements(window(at(6), at(14)), shifts, [state(at(6), RUNNING)], [], M)
    assert (e.pot, e.pdot, e.pbt, e.apt) == (8 * HOUR, 30 * MIN, 450 * MIN, 450 * MIN)


def test_machine_planned_stop_inside_shift_is_planned_down_time() -> None:
    states = [state(at(6), RUNNING), state(at(8), PLANNED, "maintenance"), state(at(9), RUNNING)]
    acc = account(window(at(6), at(14)), DAY_SHIFT, states, [], M)
    assert (acc.elements.pdot, acc.elements.pbt, acc.elements.apt) == (HOUR, 7 * HOUR, 7 * HOUR)
    assert acc.downtime_ms == {}


def test_planned_stop_during_a_break_is_not_counted_twice() -> None:
    shifts = [shift(at(6), at(14), (at(10), at(10, 30)))]
    states = [state(at(6), RUNNING), state(at(9, 45), PLANNED), state(at(10, 45), RUNNING)]
    e = elements(window(at(6), at(14)), shifts, states, [], M)
    assert (e.pdot, e.pbt, e.apt) == (HOUR, 7 * HOUR, 7 * HOUR)
    assert e.tiled


def test_overlapping_breaks_and_shifts_are_merged_not_double_counted() -> None:
    shifts = [
        shift(at(6), at(14), (at(10), at(10, 30)), (at(10, 15), at(10, 45))),
        shift(at(12), at(16)),
    ]
    e = elements(window(at(0), at(24)), shifts, [state(at(0), RUNNING)], [], M)
    assert (e.pot, e.pdot, e.pbt) == (10 * HOUR, 45 * MIN, 10 * HOUR - 45 * MIN)


def test_states_are_clipped_to_the_window() -> None:
    states = [state(at(6), RUNNING), state(at(9), UNPLANNED), state(at(11), RUNNING)]
    e = elements(window(at(10), at(12)), DAY_SHIFT, states, [], M)
    assert (e.pot, e.adet, e.apt) == (2 * HOUR, HOUR, HOUR)


def test_unsorted_states_are_taken_in_time_order() -> None:
    states = [state(at(9), UNPLANNED), state(at(6), RUNNING)]
    e = elements(window(at(6), at(14)), DAY_SHIFT, states, [], M)
    assert (e.apt, e.adet) == (3 * HOUR, 5 * HOUR)


def test_window_ending_before_it_starts_is_refused() -> None:
    with pytest.raises(InvalidRequestError, match="window") as info:
        elements(window(at(8), at(7)), DAY_SHIFT, [], [], M)
    assert info.value.code == "invalid_request"


def test_short_unplanned_stop_stays_in_production_time() -> None:
    states = [state(at(6), RUNNING), state(at(7), UNPLANNED, "jam"), state(at(7, 1), RUNNING)]
    acc = account(window(at(6), at(14)), DAY_SHIFT, states, [], M, micro_stop_ms=2 * MIN)
    assert (acc.elements.apt, acc.elements.adet) == (8 * HOUR, 0)
    assert acc.micro_stop_ms == 2 * MIN
    assert acc.micro_stop_time_ms == MIN
    assert acc.downtime_ms == {}


def test_stop_at_the_threshold_is_an_availability_loss() -> None:
    states = [state(at(6), RUNNING), state(at(7), UNPLANNED, "jam"), state(at(7, 2), RUNNING)]
    acc = account(window(at(6), at(14)), DAY_SHIFT, states, [], M, micro_stop_ms=2 * MIN)
    assert acc.elements.adet == 2 * MIN
    assert acc.downtime_ms == {DowntimeKey(UNPLANNED, "jam"): 2 * MIN}


def test_consecutive_stop_records_form_one_stop_for_the_threshold() -> None:
    states = [
        state(at(6), RUNNING),
        state(at(7), UNPLANNED),
        state(at(7, 1), UNPLANNED, "jam"),  # the operator gave the reason a minute later
        state(at(7, 10), RUNNING),
    ]
    e = elements(window(at(6), at(14)), DAY_SHIFT, states, [], M, micro_stop_ms=2 * MIN)
    assert e.adet == 10 * MIN


def test_micro_stop_is_judged_by_its_full_length_past_the_window_end() -> None:
    states = [state(at(6), RUNNING), state(at(9, 59), UNPLANNED), state(at(10, 5), RUNNING)]
    e = elements(window(at(6), at(10)), DAY_SHIFT, states, [], M, micro_stop_ms=2 * MIN)
    assert e.adet == MIN


def test_stop_still_going_on_is_never_a_micro_stop() -> None:
    states = [state(at(6), RUNNING), state(at(9, 59), UNPLANNED)]
    e = elements(window(at(6), at(10)), DAY_SHIFT, states, [], M, micro_stop_ms=2 * MIN)
    assert e.adet == MIN


def test_downtime_is_split_by_state_and_reason_inside_planned_busy_time() -> None:
    shifts = [shift(at(6), at(14), (at(10), at(11)))]
    states = [
        state(at(6), CHANGEOVER, "die"),
        state(at(7), RUNNING),
        state(at(9), UNPLANNED, "jam"),
        state(at(10, 30), UNPLANNED),  # still stopped during and after the break
        state(at(11, 30), IDLE, "no_order"),
        state(at(12), RUNNING),
        state(at(13), UNPLANNED, "jam"),
    ]
    acc = account(window(at(6), at(14)), shifts, states, [], M)
    assert acc.downtime_ms == {
        DowntimeKey(CHANGEOVER, "die"): HOUR,
        DowntimeKey(UNPLANNED, "jam"): 2 * HOUR,
        DowntimeKey(UNPLANNED, None): 30 * MIN,
        DowntimeKey(IDLE, "no_order"): 30 * MIN,
    }
    assert acc.downtime_by_reason() == {
        "die": HOUR,
        "jam": 2 * HOUR,
        None: 30 * MIN,
        "no_order": 30 * MIN,
    }
    e = acc.elements
    assert sum(acc.downtime_ms.values()) == e.aust + e.adet + e.adot


def test_window_takes_counts_after_its_start_up_to_and_including_its_end() -> None:
    counts = [count(at(8), 1), count(at(9), 10), count(at(10), 100)]
    e = elements(window(at(8), at(10)), DAY_SHIFT, [], counts, M)
    assert e.pq == 110


def test_adjacent_windows_take_each_count_once() -> None:
    counts = [count(at(h), 1) for h in range(6, 15)]
    first = elements(window(at(6), at(10)), DAY_SHIFT, [], counts, M)
    second = elements(window(at(10), at(14)), DAY_SHIFT, [], counts, M)
    assert (first.pq, second.pq) == (4, 4)  # the count at 06:00 closes the night before


def test_counts_outside_planned_operation_time_are_not_taken() -> None:
    counts = [count(at(5), 1), count(at(6), 2), count(at(14), 4), count(at(15), 8)]
    e = elements(window(at(0), at(24)), DAY_SHIFT, [], counts, M)
    assert e.pq == 4  # stamped at 14:00, it covers the shift's last minutes


def test_counts_during_a_break_belong_to_planned_operation_time() -> None:
    shifts = [shift(at(6), at(14), (at(10), at(11)))]
    e = elements(window(at(6), at(14)), shifts, [], [count(at(10, 30), 5)], M)
    assert e.pq == 5


def test_quantities_and_ideal_time_follow_each_counts_product() -> None:
    counts = [
        count(at(7), 90, 6, 4, product="p0"),
        count(at(8), 36, 4, product="p1"),
        count(at(9), 1, product="missing"),  # unknown product: the machine's default
    ]
    e = elements(window(at(6), at(14)), DAY_SHIFT, [], counts, M)
    assert (e.pq, e.gq, e.sq, e.rq) == (141, 127, 10, 4)
    assert e.ideal_ms == Fraction(100 * 1000 + 40 * 2500 + 1000)
    assert e.ideal_good_ms == Fraction(90 * 1000 + 36 * 2500 + 1000)


def test_fractional_cycle_time_gives_exact_ideal_time() -> None:
    e = elements(window(at(6), at(14)), DAY_SHIFT, [], [count(at(7), 3)], machine("0.333"))
    assert e.ideal_ms == Fraction(999)


def test_cumulative_counter_gives_deltas_after_the_baseline() -> None:
    readings = [(at(0), 1200), (at(1), 1300), (at(2), 1300), (at(3), 1450)]
    assert cumulative_to_deltas(readings) == [(at(1), 100), (at(2), 0), (at(3), 150)]


def test_cumulative_counter_drop_is_a_reset_to_zero() -> None:
    readings = [(at(0), 980), (at(1), 1000), (at(2), 30), (at(3), 70)]
    assert cumulative_to_deltas(readings) == [(at(1), 20), (at(2), 30), (at(3), 40)]


def test_cumulative_counter_needs_two_readings_for_a_delta() -> None:
    assert cumulative_to_deltas([]) == []
    assert cumulative_to_deltas([(at(0), 5)]) == []


def test_accounts_with_different_micro_stop_rules_do_not_add() -> None:
    a = account(window(at(6), at(7)), DAY_SHIFT, [], [], M, micro_stop_ms=0)
    b = account(window(at(7), at(8)), DAY_SHIFT, [], [], M, micro_stop_ms=1000)
    with pytest.raises(ValueError, match="micro-stop"):
        _ = a + b


def test_accounts_add_elements_and_downtime() -> None:
    states = [state(at(6), UNPLANNED, "jam")]
    a = account(window(at(6), at(7)), DAY_SHIFT, states, [], M)
    b = account(window(at(7), at(8)), DAY_SHIFT, states, [], M)
    total = a + b
    assert total.elements == a.elements + b.elements
    assert total.downtime_ms == {DowntimeKey(UNPLANNED, "jam"): 2 * HOUR}
