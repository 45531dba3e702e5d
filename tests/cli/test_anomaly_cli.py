"""``pabrik anomaly``: evaluate and score a small corpus written here, NAB layout."""

from __future__ import annotations

import json
import math
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from typer.testing import CliRunner

from pabrik.cli.app import app

runner = CliRunner()
START = datetime(2024, 1, 1, tzinfo=UTC)


def _stamp(i: int) -> str:
    return (START + timedelta(minutes=5 * i)).strftime("%Y-%m-%d %H:%M:%S")


def _corpus(root: Path) -> Path:
    """Two files: one with a spike at point 700 inside its window, one quiet."""
    rng = random.Random(5)
    (root / "plant").mkdir()
    for name, spike in (("press.csv", True), ("quiet.csv", False)):
        rows = ["timestamp,value"]
        for i in range(900):
            value = 50 + 5 * math.sin(2 * math.pi * i / 60) + rng.gauss(0, 0.3)
            rows.append(f"{_stamp(i)},{value + (40 if spike and i == 700 else 0):.3f}")
        (root / "plant" / name).write_text("\n".join(rows) + "\n", encoding="utf-8")
    windows = {
        "plant/press.csv": [[_stamp(690) + ".000000", _stamp(710) + ".000000"]],
        "plant/quiet.csv": [],
    }
    path = root / "windows.json"
    path.write_text(json.dumps(windows), encoding="utf-8")
    return path


def test_evaluate_prints_each_profile_score_threshold_and_detections(tmp_path: Path) -> None:
    windows = _corpus(tmp_path)
    args = ["anomaly", "evaluate", "--data", str(tmp_path), "--windows", str(windows), "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["detector"] == "context"
    assert [p["profile"] for p in report["profiles"]] == [
        "standard",
        "reward_low_FP_rate",
        "reward_low_FN_rate",
    ]
    standard = report["profiles"][0]
    # the spike is found 11 points before the window's right edge: y = -11/21
    assert standard["score"] > 90
    press = standard["files"][0]
    assert press["file"] == "plant/press.csv"
    assert press["detections"] == [_stamp(700)]
    assert (press["true_positives"], press["false_positives"]) == (1, 0)


def test_evaluate_prints_a_table_and_refuses_an_unknown_detector(tmp_path: Path) -> None:
    windows = _corpus(tmp_path)
    base = ["anomaly", "evaluate", "--data", str(tmp_path), "--windows", str(windows)]
    table = runner.invoke(app, [*base, "--detector", "gaussian"])
    assert table.exit_code == 0, table.output
    assert "reward_low_FN_rate" in table.stdout
    bad = runner.invoke(app, [*base, "--detector", "oracle"])
    assert bad.exit_code == 2
    assert "unknown detector" in bad.output


def test_score_writes_nab_result_files(tmp_path: Path) -> None:
    windows = _corpus(tmp_path)
    out = tmp_path / "results"
    args = ["anomaly", "score", "--data", str(tmp_path / "plant"), "--out", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    lines = (out / "context_press.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "timestamp,value,anomaly_score,label"
    assert len(lines) == 901
    assert lines[1].startswith(f"{_stamp(0)},")
    assert lines[1].endswith(",0.0,0")
    labelled = runner.invoke(
        app,
        ["anomaly", "score", "--data", str(tmp_path), "--out", str(out), "--windows", str(windows)],
    )
    assert labelled.exit_code == 0, labelled.output
    rows = (out / "plant" / "context_press.csv").read_text(encoding="utf-8").splitlines()[1:]
    assert sum(int(row.rsplit(",", 1)[1]) for row in rows) == 21
    spike = float(rows[700].split(",")[2])
    assert spike == max(float(row.split(",")[2]) for row in rows)


def test_a_broken_file_or_windows_file_is_one_clear_error(tmp_path: Path) -> None:
    windows = _corpus(tmp_path)
    (tmp_path / "plant" / "quiet.csv").write_text("timestamp,value\n2024-01-01 00:00:00,abc\n")
    args = ["anomaly", "evaluate", "--data", str(tmp_path), "--windows", str(windows)]
    bad_data = runner.invoke(app, args)
    assert bad_data.exit_code == 2
    assert "plant/quiet.csv" in bad_data.output
    windows.write_text("{not json", encoding="utf-8")
    bad_windows = runner.invoke(app, args)
    assert bad_windows.exit_code == 2
    assert "--windows" in bad_windows.output
