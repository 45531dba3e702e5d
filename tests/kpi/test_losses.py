"""Loss breakdown: where planned busy time went, biggest first."""

from __future__ import annotations

from fractions import Fraction

from pabrik.kpi.losses import LossKind, loss_breakdown
from pabrik.kpi.timemodel import TimeAccount, account

from .builders import (
    CHANGEOVER,
    IDLE,
    MIN,
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
        (LossKind.SPEED, None, Fraction(50 * MIN)),  # APT 380 min, ideal 330 min
        (LossKind.AVAILABILITY, "jam", Fraction(45 * MIN)),
        (LossKind.AVAILABILITY, "no_order", Fraction(30 * MIN)),  # ties: by kind name
        (LossKind.QUALITY, None, Fraction(30 * MIN)),
        (LossKind.AVAILABILITY, "die", Fraction(20 * MIN)),
        (LossKind.UNKNOWN, None, Fraction(5 * MIN)),
    ]
    assert losses[1].state is UNPLANNED


def test_losses_and_fully_productive_time_add_up_to_planned_busy_time() -> None:
    acc = _acc()
    total = sum(loss.ms for loss in loss_breakdown(acc))
    assert total + acc.elements.ideal_good_ms == acc.elements.pbt


def test_speed_gain_from_a_slow_ideal_cycle_is_not_listed_as_a_loss() -> None:
    acc = account(
        window(at(6), at(7)),
        [shift(at(6), at(7))],
        [state(at(6), RUNNING)],
        [count(at(7), 100)],
        machine("60"),
    )
    assert loss_breakdown(acc) == []
