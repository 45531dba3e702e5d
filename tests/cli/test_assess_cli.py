from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from pabrik.cli.app import app
from pabrik.runtime.assess.data import load_registry
from tests.assessment.answers import uniform

runner = CliRunner()


def invoke(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def answers_file(tmp_path: Path, fmt: str, level: int = 2) -> Path:
    model = load_registry().get("indi40")
    answers = uniform(model, level)
    data = {
        "model": "indi40",
        "version": 1,
        "answers": [
            {"question": a.question_id, "selected": list(a.selected), "note": 'catatan, "kutip"'}
            for a in answers.values()
        ],
    }
    path = tmp_path / f"answers.{fmt}"
    if fmt == "json":
        path.write_text(json.dumps(data), encoding="utf-8")
    elif fmt == "yaml":
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    else:
        rows = ["question,selected,note"] + [
            f'{a["question"]},{"|".join(a["selected"])},"catatan, ""kutip"""'
            for a in data["answers"]
        ]
        path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("fmt", ["json", "yaml", "csv"])
def test_import_then_export_round_trips_the_answers(tmp_path: Path, fmt: str) -> None:
    data = ["--data-dir", str(tmp_path / "data")]
    out = invoke("assess", "import", str(answers_file(tmp_path, fmt)), *data)
    assessment = out.split(":")[0].strip()
    assert "27/27 required answered" in out
    exported = tmp_path / f"out.{fmt}"
    invoke("assess", "export", assessment, "--format", fmt, "-o", str(exported), *data)
    again = invoke("assess", "import", str(exported), *data)
    second = again.split(":")[0].strip()
    first_json = invoke("assess", "export", assessment, "--format", "json", *data)
    second_json = invoke("assess", "export", second, "--format", "json", *data)
    assert json.loads(first_json) == json.loads(second_json)
    assert json.loads(first_json)["answers"][0]["note"] == 'catatan, "kutip"'


def test_new_score_roadmap_and_scores_csv(tmp_path: Path) -> None:
    data = ["--data-dir", str(tmp_path / "data")]
    assessment = invoke("assess", "new", "--model", "indi40", "--title", "CLI", *data).strip()
    assert len(assessment) == 12
    out = invoke(
        "assess", "import", str(answers_file(tmp_path, "json", 1)), "--id", assessment, *data
    )
    assert out.startswith(assessment)
    scored = json.loads(invoke("assess", "score", assessment, "--json", *data))
    assert scored["overall_exact"] == "1/1"
    assert scored["level"] == 1
    plan = json.loads(
        invoke("assess", "roadmap", assessment, "--json", "--budget", "200000000", *data)
    )
    assert plan["steps"]
    assert plan["budget_idr"] == 200_000_000
    assert {s["phase"] for s in plan["steps"]} <= {"0-6", "6-12", "12-24"}
    csv_text = invoke("assess", "export", assessment, "--scores", "--lang", "en", *data)
    assert csv_text.splitlines()[1].startswith("overall,indi40,")
    assert "Initial readiness" in csv_text


def test_a_bad_answer_file_fails_with_one_line_per_question(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(
        json.dumps(
            {
                "model": "indi40",
                "version": 1,
                "answers": [
                    {"question": "strategy.plan", "selected": ["maybe"]},
                    {"question": "ghost", "selected": ["x"]},
                ],
            }
        ),
        encoding="utf-8",
    )
    result = runner.invoke(app, ["assess", "import", str(path), "--data-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "strategy.plan: unknown_option (maybe)" in result.output
    assert "ghost: unknown_question" in result.output


def test_report_writes_a_pdf_in_english(tmp_path: Path) -> None:
    data = ["--data-dir", str(tmp_path / "data")]
    out = invoke("assess", "import", str(answers_file(tmp_path, "yaml", 2)), "--submit", *data)
    assessment = out.split(":")[0].strip()
    pdf = tmp_path / "summary.pdf"
    invoke(
        "assess", "report", assessment, "--kind", "summary", "--lang", "en", "-o", str(pdf), *data
    )
    assert pdf.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert "Industry 4.0 readiness: executive summary" in text
        assert "Moderate readiness" in text
