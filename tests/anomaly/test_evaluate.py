"""Leave-one-category-out scoring, worked out by hand, and the default detector on the corpus."""

from __future__ import annotations

import numpy as np
import pytest

from pabrik.anomaly.corpus import Series, parse_windows, series
from pabrik.anomaly.default import ContextDetector
from pabrik.anomaly.evaluate import category, evaluate, leave_one_out, score_corpus
from pabrik.anomaly.nab import STANDARD, label_points, scaled_sigmoid
from tests.paths import REPO

NAB = REPO.parent / "shared" / "data" / "nab"
START = np.datetime64("2020-01-01T00:00", "s")


def one_window(name: str, scores: dict[int, float]) -> tuple[Series, np.ndarray]:
    ts = START + np.timedelta64(300, "s") * np.arange(100)
    item = Series(name, ts, np.zeros(100), label_points(ts, [(ts[40], ts[49])]))
    out = np.zeros(100)
    for i, s in scores.items():
        out[i] = s
    return item, out


def test_each_category_is_scored_at_the_threshold_chosen_on_the_others() -> None:
    a, sa = one_window("a/one.csv", {45: 1.0})
    b, sb = one_window("b/one.csv", {45: 0.5, 80: 0.9})
    assert category(a) == "a"
    # chosen on b: 0.5 (its window's detection outweighs the false alarm), so a's window is
    # found at index 45; chosen on a: 1.0, so b's window is missed.
    tp = float(scaled_sigmoid(-0.5) / scaled_sigmoid(-1.0))
    (standard,) = leave_one_out([a, b], [sa, sb], profiles=[STANDARD])
    assert standard == pytest.approx(100 * ((tp - 1) + 2) / 4)


@pytest.mark.slow
@pytest.mark.skipif(not NAB.is_dir(), reason="the shared NAB corpus is not beside the repo")
def test_the_default_detector_scores_on_the_corpus_as_documented() -> None:
    windows = parse_windows((NAB / "combined_windows.json").read_text(encoding="utf-8"))
    corpus = [
        series(name, (NAB / name).read_text(encoding="utf-8"), spans)
        for name, spans in sorted(windows.items())
        if (NAB / name).is_file()
    ]
    scores = score_corpus(corpus, ContextDetector)
    full = [round(p.sweep.score, 1) for p in evaluate(corpus, scores).profiles]
    held_out = [round(s, 1) for s in leave_one_out(corpus, scores)]
    # the figures of docs/alarms.md, "Results on the NAB corpus"
    assert full == [77.4, 72.7, 80.8]
    assert held_out == [76.5, 71.8, 79.9]
