"""The NAB scorer against cases worked out by hand from the rules in reference/anomaly.md."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pabrik.anomaly.nab import (
    LOW_FN,
    LOW_FP,
    PROFILES,
    STANDARD,
    FileLabels,
    Profile,
    label_points,
    normalise,
    optimise,
    probation_length,
    scaled_sigmoid,
    score_file,
)

START = np.datetime64("2020-01-01T00:00", "s")
STEP = np.timedelta64(300, "s")
SIGMA_LEFT = 2 / (1 + math.exp(-5)) - 1  # σ(−1) ≈ 0.98661


def stamps(n: int) -> np.ndarray:
    return START + STEP * np.arange(n)


def one_window(n: int = 100, left: int = 40, right: int = 49) -> FileLabels:
    ts = stamps(n)
    return label_points(ts, [(ts[left], ts[right])])


def hits(n: int, *at: int) -> np.ndarray:
    scores = np.zeros(n)
    scores[list(at)] = 1.0
    return scores


def test_probation_is_15_percent_capped_at_750_points() -> None:
    assert probation_length(100) == 15
    assert probation_length(4032) == 604
    assert probation_length(15831) == 750


def test_scaled_sigmoid_matches_the_formula_and_is_minus_one_past_three() -> None:
    assert float(scaled_sigmoid(-1.0)) == pytest.approx(SIGMA_LEFT)
    assert float(scaled_sigmoid(0.0)) == 0.0
    assert float(scaled_sigmoid(3.0)) == pytest.approx(2 / (1 + math.exp(15)) - 1)
    assert float(scaled_sigmoid(3.01)) == -1.0


def test_a_perfect_detector_scores_100_and_a_null_detector_0_under_every_profile() -> None:
    labels = one_window()
    for profile in PROFILES:
        perfect = score_file(hits(100, 40), labels, 0.5, profile)
        null = score_file(np.zeros(100), labels, 0.5, profile)
        assert perfect.raw == pytest.approx(1.0)
        assert null.raw == -profile.fn
        assert normalise(perfect.raw, 1, profile) == pytest.approx(100.0)
        assert normalise(null.raw, 1, profile) == 0.0


def test_one_window_detected_at_its_left_edge_earns_the_full_true_positive() -> None:
    result = score_file(hits(100, 40), one_window(), 0.5, STANDARD)
    assert (result.true_positives, result.false_positives, result.false_negatives) == (1, 0, 0)
    assert result.raw == pytest.approx(1.0)
    assert list(result.detected) == [40]


def test_a_detection_at_the_right_edge_earns_sigma_of_minus_one_over_width() -> None:
    # y = -(49 - 49 + 1) / 10 = -0.1; σ(-0.1) = 2 / (1 + e^-0.5) - 1 = 0.244919
    result = score_file(hits(100, 49), one_window(), 0.5, STANDARD)
    assert result.raw == pytest.approx(0.244919 / SIGMA_LEFT, abs=1e-6)
    assert normalise(result.raw, 1, STANDARD) == pytest.approx(100 * (0.248242 + 1) / 2, abs=1e-3)


def test_only_the_first_detection_in_a_window_counts() -> None:
    # y = -(49 - 45 + 1) / 10 = -0.5; σ(-0.5) = 0.848284; later hits add and cost nothing
    result = score_file(hits(100, 45, 47, 49), one_window(), 0.5, STANDARD)
    assert result.raw == pytest.approx(0.848284 / SIGMA_LEFT, abs=1e-6)
    assert list(result.detected) == [45]


def test_false_positives_cost_fp_weight_before_and_a_sigmoid_after_a_window() -> None:
    labels = one_window()
    before = score_file(hits(100, 20), labels, 0.5, STANDARD)
    assert before.raw == pytest.approx(-0.11 - 1.0)  # -fp, and the window is missed
    # 10 points past the right edge of a 10-wide window: y = 10 / 9
    after = score_file(hits(100, 40, 59), labels, 0.5, LOW_FP)
    assert after.raw == pytest.approx(1.0 + 0.22 * (2 / (1 + math.exp(50 / 9)) - 1))
    # 31 points past: y = 31 / 9 > 3, so σ = -1
    far = score_file(hits(100, 40, 80), labels, 0.5, STANDARD)
    assert far.raw == pytest.approx(1.0 - 0.11)
    assert far.false_positives == 1


def test_detections_in_probation_are_ignored() -> None:
    result = score_file(hits(100, 5, 14), one_window(), 0.5, STANDARD)
    assert result.raw == -1.0
    assert result.false_positives == 0


def test_a_missed_window_costs_fn_weight() -> None:
    ts = stamps(100)
    labels = label_points(ts, [(ts[30], ts[34]), (ts[60], ts[69])])
    result = score_file(hits(100, 30), labels, 0.5, LOW_FN)
    assert result.raw == pytest.approx(1.0 - 2.0)
    assert normalise(result.raw, 2, LOW_FN) == pytest.approx(100 * (-1.0 + 4.0) / (2.0 + 4.0))


def test_one_threshold_for_the_corpus_weighs_a_window_against_a_false_positive() -> None:
    # File A: its window's best score is 0.6. File B (no window): a false alarm scores 0.8.
    # Threshold 0.8 costs -1.11; 0.6 earns 1 - 0.11 = 0.89; below 0.6 every point fires.
    a, b = hits(100, 40) * 0.6, hits(100, 30) * 0.8
    labels = [one_window(), label_points(stamps(100), [])]
    standard = optimise([a, b], labels, STANDARD)
    assert standard.threshold == pytest.approx(0.6)
    assert standard.raw == pytest.approx(0.89)
    assert standard.score == pytest.approx(94.5)
    assert optimise([a, b], labels, LOW_FP).score == pytest.approx(100 * 1.78 / 2)
    assert optimise([a, b], labels, LOW_FN).score == pytest.approx(100 * 2.89 / 3)


def test_the_sweep_prefers_never_firing_when_every_score_is_a_false_alarm() -> None:
    labels = [label_points(stamps(100), [])]
    sweep = optimise([np.linspace(0, 1, 100)], labels, STANDARD)
    assert sweep.threshold == math.inf
    assert sweep.raw == 0.0


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    cut=st.floats(0.0, 1.0),
    profile=st.sampled_from(PROFILES),
)
def test_the_sweep_equals_the_sum_of_files_scored_at_its_threshold(
    seed: int, cut: float, profile: Profile
) -> None:
    rng = np.random.default_rng(seed)
    ts = stamps(200)
    labels = [
        label_points(ts, [(ts[50], ts[59]), (ts[120], ts[139])]),
        label_points(ts, []),
        label_points(ts, [(ts[180], ts[199])]),
    ]
    scores = [np.round(rng.random(200), 2) for _ in labels]
    sweep = optimise(scores, labels, profile)
    pairs = list(zip(scores, labels, strict=True))
    total = sum(score_file(s, lab, sweep.threshold, profile).raw for s, lab in pairs)
    assert sweep.raw == pytest.approx(total)
    at_cut = sum(score_file(s, lab, cut, profile).raw for s, lab in pairs)
    assert at_cut <= sweep.raw + 1e-9
