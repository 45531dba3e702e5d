"""The daily profile: a broken daily pattern inside the normal range, and saving it."""

from __future__ import annotations

import json
import math
import random
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from pabrik.anomaly.default import ContextDetector
from pabrik.anomaly.registry import restore
from pabrik.anomaly.seasons import DailyProfile

STEP = 300.0  # five-minute samples, 288 a day
START = 1_700_006_400.0  # a UTC midnight


def daily(days: int, seed: int = 3, missing: int | None = None) -> list[tuple[float, float]]:
    """A busy block from 08:00 to 16:00 each day, with noise; day ``missing`` stays idle."""
    rng = random.Random(seed)
    out = []
    for i in range(days * 288):
        day, minute = divmod(i, 288)
        busy = 96 <= minute < 192 and day != missing
        out.append((START + i * STEP, (80.0 if busy else 20.0) + rng.gauss(0, 2)))
    return out


def feed(det: ContextDetector, points: list[tuple[float, float]]) -> list[float]:
    return [det.process_one(v, t) for t, v in points]


def test_a_missing_daily_peak_beats_every_normal_score() -> None:
    points = daily(12, missing=10)
    scores = feed(ContextDetector(), points)
    normal = scores[3 * 288 : 10 * 288] + scores[11 * 288 :]
    broken = scores[10 * 288 + 96 : 10 * 288 + 192]
    assert max(broken) > max(normal)
    assert max(broken) >= 0.87


def test_without_timestamps_the_missing_peak_goes_unseen() -> None:
    det = ContextDetector()
    scores = [det.process_one(v) for _, v in daily(12, missing=10)]
    assert max(scores[10 * 288 + 96 : 10 * 288 + 192]) < 0.87


def test_a_signal_without_a_daily_pattern_keeps_the_profile_silent() -> None:
    rng = random.Random(4)
    det = ContextDetector()
    feed(det, [(START + i * STEP, rng.gauss(50, 5)) for i in range(5 * 288)])
    assert not det.profile.explains()


def test_a_noisy_daily_cycle_stays_quiet() -> None:
    rng = random.Random(2)
    det = ContextDetector()
    cycle = [
        (START + i * STEP, 10 + 3 * math.sin(2 * math.pi * i / 288) + rng.gauss(0, 1))
        for i in range(16000)
    ]
    scores = feed(det, cycle)
    assert det.profile.explains()
    assert sum(s >= 0.87 for s in scores[4000:]) <= 3


def test_a_restored_detector_keeps_its_daily_profile() -> None:
    points = daily(6)
    det = ContextDetector()
    feed(det, points[:1000])
    again = restore(json.loads(det.to_bytes()))
    assert isinstance(again, ContextDetector)
    assert feed(again, points[1000:]) == feed(det, points[1000:])


def test_datetimes_and_epoch_seconds_fall_in_the_same_slot() -> None:
    profile = DailyProfile(48, 3, 40, 0.5)
    when = datetime(2024, 5, 1, 13, 45, tzinfo=UTC)
    assert profile.slot(when.timestamp()) == 27
    det, other = ContextDetector(), ContextDetector()
    for i, (t, v) in enumerate(daily(2)):
        det.process_one(v, t)
        other.process_one(v, datetime.fromtimestamp(t, UTC))
        if i == 500:
            break
    assert det.to_dict() == other.to_dict()


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.floats(min_value=0, max_value=7200, allow_nan=False),
            st.floats(allow_nan=True, allow_infinity=True, width=32),
        ),
        min_size=1,
        max_size=600,
    )
)
def test_every_score_with_timestamps_is_between_0_and_1(steps: list[tuple[float, float]]) -> None:
    det = ContextDetector()
    t = START
    for gap, value in steps:
        t += gap
        assert 0.0 <= det.process_one(value, t) <= 1.0


def test_a_state_saved_before_the_daily_profile_still_restores() -> None:
    points = daily(4)
    det = ContextDetector()
    feed(det, points[:800])
    old = det.to_dict()
    del old["profile"], old["seasons"]
    for key in ("season", "season_least", "season_horizon", "season_share"):
        del old["settings"][key]
    restored = ContextDetector.from_dict(old)
    assert restored.profile.n == [0] * 48
    assert restored.seasons.n == 0
    assert restored.deviations.to_dict() == det.deviations.to_dict()
    assert all(0.0 <= s <= 1.0 for s in feed(restored, points[800:]))
