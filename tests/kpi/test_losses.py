"""Loss breakdown: where planned busy time went, biggest first."""

from __future__ import annotations

from fractions import Fraction

from pabrik.kpi.account import TimeAccount
from pabrik.kpi.losses import BigLoss, LossKind, loss_breakdown, six_big_losses, top_loss
from pabrik.kpi.rules import TimeRules
from pabrik.kpi.timemodel import account
from pabrik.model.calendar import Interval
from pabrik.model.equipment import TimeElement, TimeModelMap
from pabrik.model.records import CountRecord

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


def _acc() -> TimeAccount:
    states = [
        state(at(6), UNKNOWN),
        state(at(6, 5), CHANGEOVER, "die"),
        state(at(6, 25), RUNNING),
        state(at(9), UNPLANNED, "jam"),
        state(at(9, 45), RUNNING),
        state(at(12), IDLE, "no_order"),
        state(at(12, 30), RUNNING),
    ]
    counts = [count(at(14), 300, 20, 10)]
    return account(window(at(6), at(14)), [shift(at(6), at(14))], states, counts, machine("60"))


def test_losses_are_sorted_biggest_first() -> None:
    losses = loss_breakdown(_acc())
    assert [(loss.kind, loss.reason, loss.ms) for loss in losses] == [
        (LossKind.REDUCED_SPEED, None, Fraction(50 * MIN)),  # APT 380 min, ideal 330 min
        (LossKind.AVAILABILITY, "jam", Fraction(45 * MIN)),
        (LossKind.AVAILABILITY, "no_order", Fraction(30 * MIN)),  # ties: by kind name
        (LossKind.PROCESS_DEFECTS, None, Fraction(30 * MIN)),
        (LossKind.AVAILABILITY, "die", Fraction(20 * MIN)),
    ]
    assert losses[1].state is UNPLANNED
    assert top_loss(_acc()) == losses[0]


def test_unknown_time_is_a_gap_in_the_data_not_a_loss() -> None:
    assert _acc().elements.unknown == 5 * MIN
    assert sum(loss.ms for loss in loss_breakdown(_acc())) == 175 * MIN


def test_losses_and_fully_productive_time_add_up_to_known_planned_busy_time() -> None:
    acc = _acc()
    total = sum(loss.ms for loss in loss_breakdown(acc))
    assert total + acc.elements.ideal_good_ms == acc.elements.known_pbt


def test_the_top_loss_is_a_leaf_of_the_six_big_losses() -> None:
    acc = _acc()
    big = six_big_losses(acc)
    top = top_loss(acc)
    assert top is not None
    assert top.kind is LossKind.REDUCED_SPEED
    assert big[BigLoss.REDUCED_SPEED] == top.ms


def test_speed_gain_from_a_slow_ideal_cycle_is_not_listed_as_a_loss() -> None:
    acc = account(
        window(at(6), at(7)),
        [shift(at(6), at(7))],
        [state(at(6), RUNNING)],
        [count(at(7), 100)],
        machine("60"),
    )
    assert loss_breakdown(acc) == []


# -- start-up rejects (reduced yield) -----------------------------------------------------


def _startup_acc(
    counts: list[CountRecord], rules: TimeRules, win: Interval | None = None
) -> TimeAccount:
    states = [
        state(at(6), CHANGEOVER, "die"),
        state(at(6, 20), RUNNING),
        state(at(8), PLANNED, "cleaning"),
        state(at(8, 30), RUNNING),
    ]
    return account(
        win or window(at(6), at(10)), [shift(at(6), at(10))], states, counts, machine("60"),
        rules=rules,
    )  # fmt: skip


def test_scrap_inside_the_startup_window_is_reduced_yield_and_the_rest_process_defects() -> None:
    counts = [
        count(at(6, 20), 10, 3),  # stamped as the changeover ends: made during it, not after
        count(at(6, 25), 10, 2, 1),  # start-up scrap; rework is never start-up
        count(at(6, 30), 10, 4),  # the window (6:20, 6:30] includes its end
        count(at(6, 31), 10, 5),
        count(at(8, 35), 10, 1),  # restart after a planned stop opens a window too
    ]
    acc = _startup_acc(counts, TimeRules(startup_window_ms=10 * MIN))
    e = acc.elements
    assert (e.sq, e.sq_startup, e.rq) == (15, 7, 1)
    assert e.ideal_startup_ms == 7 * MIN  # PRI 60 s
    losses = six_big_losses(acc)
    assert losses[BigLoss.REDUCED_YIELD] == Fraction(7 * MIN)
    assert losses[BigLoss.PROCESS_DEFECTS] == Fraction(9 * MIN)  # 8 scrap + 1 rework
    assert sum(losses.values()) + e.ideal_good_ms == e.pbt
    off = six_big_losses(_startup_acc(counts, TimeRules()))
    assert off[BigLoss.REDUCED_YIELD] == 0
    assert off[BigLoss.PROCESS_DEFECTS] == Fraction(16 * MIN)


def test_a_count_straddling_the_end_of_the_startup_window_is_split_by_planned_time() -> None:
    rules = TimeRules(startup_window_ms=10 * MIN, count_period_ms=HOUR)
    # Period (6:20, 6:40]: 7 scrap over 20 min, 10 of them inside the window (6:20, 6:30].
    counts = [count(at(6, 20), 0), count(at(6, 40), 20, 7)]
    whole = _startup_acc(counts, rules).elements
    assert (whole.sq, whole.sq_startup) == (7, 3)  # floor(7 * 10 / 20)
    assert whole.ideal_startup_ms == 3 * MIN
    first = _startup_acc(counts, rules, window(at(6), at(6, 25))).elements
    rest = _startup_acc(counts, rules, window(at(6, 25), at(10))).elements
    assert (first.sq, first.sq_startup) == (1, 1)  # floor(7 * 5 / 20)
    assert (rest.sq, rest.sq_startup) == (6, 2)  # floor(7 * 10 / 20) - floor(7 * 5 / 20)


def test_a_changeover_mapped_away_from_aust_opens_no_startup_window() -> None:
    m = machine("60").model_copy(
        update={"time_model": TimeModelMap(states={CHANGEOVER: TimeElement.ADET})}
    )
    acc = account(
        window(at(6), at(10)), [shift(at(6), at(10))],
        [state(at(6), CHANGEOVER), state(at(6, 20), RUNNING)], [count(at(6, 25), 10, 2)], m,
        rules=TimeRules(startup_window_ms=10 * MIN),
    )  # fmt: skip
    assert acc.elements.sq_startup == 0
