from __future__ import annotations

import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pabrik.cli.app import app

runner = CliRunner()


def test_config_check_accepts_the_demo_plant() -> None:
    result = runner.invoke(app, ["config", "check", "examples/demo-plant.yaml"])
    assert result.exit_code == 0, result.output
    assert "OK" in result.output


def test_config_check_lists_every_problem_and_exits_2(tmp_path: Path) -> None:
    text = Path("examples/demo-plant.yaml").read_text(encoding="utf-8")
    broken = text.replace("timezone: Asia/Jakarta", "timezone: Mars/Olympus", 1)
    broken = broken.replace("ideal_cycle_time_s:", "ideal_cycle_time_s: -1 #", 1)
    path = tmp_path / "broken.yaml"
    path.write_text(broken, encoding="utf-8")
    result = runner.invoke(app, ["config", "check", str(path)])
    assert result.exit_code == 2
    assert "2 problem(s)" in result.output
    assert "calendar.timezone: unknown IANA time zone 'Mars/Olympus'" in result.output
    assert "ideal_cycle_time_s: must be > 0" in result.output


def test_a_port_in_use_is_named_with_a_way_out(tmp_path: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        result = runner.invoke(app, ["demo", "--port", str(port), "--data-dir", str(tmp_path)])
    assert result.exit_code == 3
    assert f"Port {port}" in result.output
    assert f"--port {port + 1}" in result.output


def test_kpi_oee_prints_json_for_a_simulated_shift(tmp_path: Path) -> None:
    until = "2025-03-10T08:00:00+07:00"
    sim = runner.invoke(
        app, ["simulate", "--days", "1", "--until", until, "--data-dir", str(tmp_path)]
    )
    assert sim.exit_code == 0, sim.output
    args = ["kpi", "oee", "--machine", "plant", "--from", "2025-03-09T07:00:00+07:00"]
    args += ["--to", "2025-03-09T15:00:00+07:00", "--data-dir", str(tmp_path), "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert '"scope": "plant"' in result.output
    assert '"exact": "' in result.output


def test_kpi_oee_rejects_a_window_that_ends_before_it_starts(tmp_path: Path) -> None:
    args = ["kpi", "oee", "--machine", "plant", "--from", "2025-03-09T15:00:00+07:00"]
    args += ["--to", "2025-03-09T07:00:00+07:00", "--data-dir", str(tmp_path)]
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert "'to' must be after 'from'" in result.output


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--seed", str(2**63)], "seed"),
        (["--seed", str(10**40)], "seed"),
        (["--days", "1e12"], "days"),
        (["--days", "nan"], "days"),
        (["--until", "9999-12-31T00:00:00+00:00"], "until"),
        (["--until", "0001-01-01T00:00:00+00:00"], "until"),
    ],
    ids=["seed-2^63", "seed-10^40", "days-1e12", "days-nan", "until-9999", "until-0001"],
)
def test_simulate_refuses_out_of_range_settings_with_one_line(
    tmp_path: Path, args: list[str], named: str
) -> None:
    result = runner.invoke(app, ["simulate", "--data-dir", str(tmp_path), *args])
    assert result.exit_code == 2, result.output
    assert named in result.output
    assert "Traceback" not in result.output
    assert not list(tmp_path.iterdir())  # refused before anything was created
