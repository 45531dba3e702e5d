"""One contract for every detector: scores in [0, 1], probation, pause, save and restore."""

from __future__ import annotations

import json
import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pabrik.anomaly.default import ContextDetector, ContextSettings
from pabrik.anomaly.detector import Pausable
from pabrik.anomaly.registry import DEFAULT, DETECTORS, factory, restore
from pabrik.model.states import StateClass

KINDS = sorted(DETECTORS)


def seasonal(n: int, seed: int = 1) -> list[float]:
    """A daily-like cycle of 50 points with a little noise."""
    rng = random.Random(seed)
    return [10 + 3 * math.sin(2 * math.pi * i / 50) + rng.gauss(0, 0.2) for i in range(n)]


def paused(det: Pausable) -> bool:
    # a call, not the attribute, so mypy does not keep an earlier assert's narrowing
    return det.paused


def feed(det: Pausable, values: list[float]) -> list[float]:
    return [det.process_one(v) for v in values]


def test_the_default_detector_is_the_context_detector() -> None:
    assert DEFAULT == "context"
    assert isinstance(factory()(), ContextDetector)
    with pytest.raises(ValueError, match="unknown detector"):
        factory("oracle")


@pytest.mark.parametrize("kind", KINDS)
@settings(max_examples=30, deadline=None)
@given(values=st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=400))
def test_every_score_is_between_0_and_1(kind: str, values: list[float]) -> None:
    det = factory(kind)()
    for v in values:
        score = det.score_one(v)
        assert 0.0 <= score <= 1.0
        det.learn_one(v)


@pytest.mark.parametrize("kind", KINDS)
def test_nothing_scores_during_probation(kind: str) -> None:
    det = factory(kind)()
    assert set(feed(det, [0.0, 1e6, -1e6] * 40)) == {0.0}


@pytest.mark.parametrize("kind", KINDS)
def test_a_spike_scores_higher_than_every_normal_point(kind: str) -> None:
    det = factory(kind)()
    normal = feed(det, seasonal(600))
    spike = det.process_one(40.0)
    assert spike > max(normal[200:])
    assert spike > 0.9


@pytest.mark.parametrize("kind", KINDS)
def test_score_one_changes_nothing(kind: str) -> None:
    det = factory(kind)()
    feed(det, seasonal(300))
    before = det.to_dict()
    det.score_one(99.0)
    assert det.to_dict() == before


@pytest.mark.parametrize("kind", KINDS)
def test_a_restored_detector_goes_on_exactly_where_it_stopped(kind: str) -> None:
    values = seasonal(900)
    det = factory(kind)()
    feed(det, values[:500])
    saved = det.to_bytes()
    assert json.loads(saved)["kind"] == kind
    again = restore(json.loads(saved))
    assert feed(again, values[500:]) == feed(det, values[500:])
    assert type(det).from_bytes(saved).to_dict() == restore(json.loads(saved)).to_dict()


@pytest.mark.parametrize("kind", KINDS)
def test_a_paused_detector_neither_learns_nor_scores(kind: str) -> None:
    det = factory(kind)()
    feed(det, seasonal(300))
    before = det.to_dict()
    det.pause()
    assert feed(det, [0.0] * 50) == [0.0] * 50
    det.learn_one(-500.0)
    assert {k: v for k, v in det.to_dict().items() if k != "paused"} == {
        k: v for k, v in before.items() if k != "paused"
    }


@pytest.mark.parametrize("kind", KINDS)
def test_resume_settles_before_scoring_again(kind: str) -> None:
    det = factory(kind)()
    feed(det, seasonal(300))
    det.pause()
    det.resume(settle=5)
    assert feed(det, [30.0] * 5) == [0.0] * 5
    assert det.settling == 0


def test_the_default_detector_memory_stays_bounded_on_noise() -> None:
    rng = random.Random(3)
    det = ContextDetector(ContextSettings(contexts_cap=200, suppress=20))
    feed(det, [rng.uniform(-1, 1) for _ in range(5000)])
    assert len(det.contexts.counts) <= 200
    assert len(det.scores) == 20
    assert len(det.recent) == det.settings.short
    assert len(det.deviations.histogram) == det.settings.bins + 1
    assert len(det.window) == det.settings.window


def test_a_new_rhythm_inside_the_normal_range_beats_every_normal_score() -> None:
    rng = random.Random(1)
    det = ContextDetector()
    normal = [det.process_one(v + rng.gauss(0, 0.1)) for _ in range(300) for v in (0, 0, 10, 10)]
    # the same two values, alternating twice as fast: no new extreme, no larger deviation
    odd = [det.process_one(v + rng.gauss(0, 0.1)) for v in (0, 10, 0, 10, 0, 10)]
    assert max(odd) > max(normal[300:])


@pytest.mark.parametrize("kind", KINDS)
def test_following_machine_states_pauses_outside_running_and_settles_on_restart(kind: str) -> None:
    det = factory(kind)()
    feed(det, seasonal(300))
    det.follow(StateClass.PLANNED_STOP)
    assert det.paused
    assert feed(det, [0.0] * 20) == [0.0] * 20  # a planned stop's zeros are no anomaly
    det.follow(StateClass.CHANGEOVER)
    assert det.paused
    det.follow(StateClass.RUNNING, settle=3)
    assert not paused(det)
    assert feed(det, [25.0] * 3) == [0.0] * 3
    assert det.settling == 0


@pytest.mark.parametrize("kind", KINDS)
def test_nan_and_infinity_score_0_and_are_never_learnt(kind: str) -> None:
    det = factory(kind)()
    feed(det, seasonal(300))
    before = det.to_dict()
    assert feed(det, [math.nan, math.inf, -math.inf]) == [0.0, 0.0, 0.0]
    det.learn_one(math.nan)
    assert det.to_dict() == before


def test_a_long_normal_stream_stays_quiet() -> None:
    # a noisy daily cycle: past its start, scores of 0.85 (under the corpus threshold) stay rare
    rng = random.Random(2)
    det = ContextDetector()
    cycle = [10 + 3 * math.sin(2 * math.pi * i / 288) + rng.gauss(0, 1) for i in range(16000)]
    scores = feed(det, cycle)
    assert sum(s >= 0.85 for s in scores[4000:]) <= 3


def test_a_lasting_shift_of_the_window_mean_raises_a_high_score() -> None:
    rng = random.Random(5)
    det = ContextDetector()
    feed(det, [rng.gauss(0, 1) for _ in range(3000)])
    shifted = feed(det, [1.0 + rng.gauss(0, 1) for _ in range(det.settings.window)])
    assert max(shifted) >= 0.85


def test_a_state_saved_before_the_shift_reading_still_restores() -> None:
    det = ContextDetector()
    feed(det, seasonal(400))
    old = det.to_dict()
    for key in ("deviations", "window", "window_total", "shift", "shifts"):
        del old[key]
    old["histogram"] = det.deviations.histogram
    old["record"] = det.deviations.record
    del old["settings"]["window"], old["settings"]["repeats"]
    restored = ContextDetector.from_dict(old)
    assert restored.deviations.to_dict() == det.deviations.to_dict()
    assert restored.shifts.n == 0
    assert 0.0 <= restored.process_one(11.0) <= 1.0


def test_a_spike_small_beside_the_range_but_large_beside_the_present_level_scores_high() -> None:
    rng = random.Random(4)
    det = ContextDetector()
    early = [50 + rng.gauss(0, 10) for _ in range(1500)]  # a wide, noisy first regime
    quiet = [50 + rng.gauss(0, 0.5) for _ in range(1500)]  # then a calm one, well inside it
    normal = feed(det, early + quiet)
    spike = det.process_one(58.0)  # far from the calm level, nowhere near an extreme
    assert spike > max(normal[2000:])
    assert spike >= 0.85


@pytest.mark.parametrize("kind", KINDS)
def test_a_subnormal_range_does_not_overflow(kind: str) -> None:
    det = factory(kind)()
    scores = feed(det, [0.0, 5e-324, *[0.0] * 200, 1.0])
    assert all(0.0 <= s <= 1.0 for s in scores)
