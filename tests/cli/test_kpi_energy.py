from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from pabrik.cli.app import app

runner = CliRunner()


def test_energy_baseline_reports_expected_against_actual_and_the_enpi(tmp_path: Path) -> None:
    sim = runner.invoke(
        app,
        [
            "simulate",
            "--days",
            "4",
            "--until",
            "2025-03-10T00:00+07:00",
            "--data-dir",
            str(tmp_path),
        ],
    )
    assert sim.exit_code == 0, sim.output
    args = ["kpi", "energy", "--scope", "imm-01", "--ref-from", "2025-03-06"]
    args += ["--ref-to", "2025-03-09", "--from", "2025-03-09", "--to", "2025-03-10"]
    result = runner.invoke(app, [*args, "--data-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "baseline imm-01: kWh =" in result.output
    assert "EnPI" in result.output
    assert "2025-03-09" in result.output


def test_energy_baseline_names_a_bad_date(tmp_path: Path) -> None:
    args = [
        "kpi",
        "energy",
        "--scope",
        "plant",
        "--ref-from",
        "last week",
        "--ref-to",
        "2025-03-09",
    ]
    args += ["--from", "2025-03-09", "--to", "2025-03-10", "--data-dir", str(tmp_path)]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert "is not a date" in result.output
