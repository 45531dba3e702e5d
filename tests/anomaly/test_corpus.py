"""NAB files parsed and labelled: one small real file of the shared corpus, and text made here."""

from __future__ import annotations

import numpy as np
import pytest

from pabrik.anomaly.corpus import parse_series, parse_windows, series
from pabrik.anomaly.default import ContextDetector
from pabrik.anomaly.evaluate import evaluate, run
from tests.paths import REPO

NAB = REPO.parent / "shared" / "data" / "nab"
SMALL = "realAdExchange/exchange-2_cpc_results.csv"


def test_a_csv_text_becomes_stamps_and_values() -> None:
    stamps, values = parse_series(
        "timestamp,value\n2014-04-01 00:00:00,1.5\n2014-04-01 00:05:00,2\n"
    )
    assert list(values) == [1.5, 2.0]
    assert stamps[1] - stamps[0] == np.timedelta64(300, "s")


def test_windows_are_read_to_the_second() -> None:
    windows = parse_windows('{"a.csv": [["2014-04-01 00:05:00.000000", "2014-04-01 00:10:00"]]}')
    assert windows["a.csv"] == [
        (np.datetime64("2014-04-01T00:05:00"), np.datetime64("2014-04-01T00:10:00"))
    ]


@pytest.mark.skipif(not NAB.is_dir(), reason="the shared NAB corpus is not beside the repo")
def test_a_real_file_is_labelled_and_scored_end_to_end() -> None:
    windows = parse_windows((NAB / "combined_windows.json").read_text(encoding="utf-8"))
    item = series(SMALL, (NAB / SMALL).read_text(encoding="utf-8"), windows[SMALL])
    lab = item.labels
    assert lab.windows == len(windows[SMALL])
    for k, (start, end) in enumerate(windows[SMALL]):
        inside = item.timestamps[lab.window == k]
        assert inside[0] == start
        assert inside[-1] == end
    scores = run(ContextDetector(), item.values)
    result = evaluate([item], [scores])
    assert len(result.profiles) == 3
    for profile in result.profiles:
        assert -100.0 <= profile.sweep.score <= 100.0
