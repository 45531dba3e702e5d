"""A raw reading scored against its own history: records, ranks and repeats."""

from __future__ import annotations

from pabrik.anomaly.calibration import Calibration


def calibrated(history: list[float]) -> Calibration:
    cal = Calibration(bins=100, warm=0, calibration=0.8, margin=0.6)
    for raw in history:
        cal.learn(raw, cal.bin(raw))
    return cal


def test_a_raw_value_beating_the_record_scores_above_every_other() -> None:
    cal = calibrated([0.1] * 500 + [0.5])
    beat = cal.score(0.6, cal.bin(0.6))
    assert beat > 0.8
    assert beat > cal.score(0.5, cal.bin(0.5))


def test_a_raw_value_reached_often_scores_lower_with_repeats() -> None:
    rare = calibrated([0.1] * 500 + [0.5] + [0.7])
    often = calibrated([0.1] * 480 + [0.5] * 21 + [0.7])
    b = rare.bin(0.5)
    assert rare.score(0.5, b, 0.5) > often.score(0.5, b, 0.5)
    # without repeats only the share counts, and 21 in 502 is still rare
    assert often.score(0.5, b) > often.score(0.5, b, 0.5)


def test_the_state_round_trips() -> None:
    cal = calibrated([0.1, 0.3, 0.9])
    other = Calibration(bins=100, warm=0, calibration=0.8, margin=0.6)
    other.load(cal.to_dict())
    assert other.to_dict() == cal.to_dict()
