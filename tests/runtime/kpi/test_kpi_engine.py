"""The KPI runtime: configuration checks, the engine over the demo plant, energy, the CLI."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook
from typer.testing import CliRunner

from pabrik.cli.app import app as cli
from pabrik.model.errors import ConfigError
from pabrik.model.windows import custom_window
from pabrik.runtime.app import Runtime, build_runtime
from pabrik.runtime.kpi.data import holiday_list, kpi_catalogue
from pabrik.runtime.kpi.energy_report import energy_report
from pabrik.runtime.kpi.loss_report import loss_report
from pabrik.runtime.plant.siteconfig import parse_site
from pabrik.runtime.settings import Settings
from tests.paths import DEMO

NOW = datetime(2025, 3, 12, 1, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("kpi-data")


@pytest.fixture(scope="module")
def runtime(data_dir: Path) -> Iterator[Runtime]:
    rt = build_runtime(Settings(config=DEMO, data_dir=data_dir), clock=lambda: NOW)
    rt.backfill(days=3)
    yield rt
    rt.close()


def _demo_with(**extra: object) -> str:
    data = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    data.update(extra)
    return yaml.safe_dump(data, allow_unicode=True)


def test_overlapping_orders_on_one_machine_are_rejected_with_both_named() -> None:
    orders = [
        {"id": "wo-1", "machine": "imm-01", "start": "2025-03-10T07:00+07:00",
         "end": "2025-03-10T15:00+07:00", "quantity": 100000},
        {"id": "wo-2", "machine": "imm-01", "start": "2025-03-10T14:00+07:00",
         "end": "2025-03-10T20:00+07:00", "quantity": 50000},
    ]  # fmt: skip
    with pytest.raises(ConfigError) as err:
        parse_site(_demo_with(orders=orders))
    assert "orders 'wo-1' and 'wo-2' overlap on machine 'imm-01'" in str(err.value)


def test_overlapping_shifts_are_rejected_at_config_load_with_the_path() -> None:
    data = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    data["calendar"]["shifts"][0]["end"] = "16:00"
    with pytest.raises(ConfigError) as err:
        parse_site(yaml.safe_dump(data, allow_unicode=True))
    assert "shifts 'pagi' and 'siang' overlap" in str(err.value)
    assert "calendar" in str(err.value)


def test_every_kpi_in_the_metadata_has_a_unit_and_a_trend() -> None:
    cat = kpi_catalogue()
    assert cat.version == 1
    iso = [d for d in cat.definitions.values() if d.iso is not None]
    assert sorted(d.iso for d in iso) == list(range(1, 35))
    for d in cat.definitions.values():
        assert d.unit
        assert d.trend in {"higher", "lower"}


def test_indonesian_holidays_ship_for_2025_to_2027() -> None:
    days = holiday_list("ID")
    years = {h.day.year for h in days}
    assert years == {2025, 2026, 2027}
    assert sum(1 for h in days if h.day.year == 2025) == 17
    assert any(h.provisional for h in days if h.day.year == 2027)
    assert holiday_list("XX") == ()


def test_plant_kpis_through_rollups_equal_raw_ones(runtime: Runtime) -> None:
    engine = runtime.engine
    start, end = NOW - timedelta(days=2, minutes=7), NOW - timedelta(minutes=3)
    for m in runtime.plant.machines():
        rolled, raw = engine.account(m, start, end), engine.raw_account(m, start, end)
        assert rolled.elements == raw.elements
        assert rolled.extras == raw.extras
    assert engine.stats.rollup_hours + engine.stats.raw_hours > 0


def test_the_packaging_line_plans_only_its_own_shifts(runtime: Runtime) -> None:
    engine = runtime.engine
    night = datetime(2025, 3, 10, 16, 0, tzinfo=UTC), datetime(2025, 3, 11, 0, 0, tzinfo=UTC)
    filler = runtime.plant.machine("filler-01")
    imm = runtime.plant.machine("imm-01")
    assert filler is not None
    assert imm is not None
    assert engine.account(filler, *night).elements.pot == 0
    assert engine.account(imm, *night).elements.pot == 8 * 3_600_000


def test_loss_report_pareto_and_costs(runtime: Runtime) -> None:
    report = loss_report(runtime.engine, "plant", custom_window(NOW - timedelta(days=2), NOW, NOW))
    assert report.pareto
    assert abs(report.pareto[-1].cumulative - 1) < 1e-9
    assert [ln.line_id for ln in report.lines] == [
        "cetak-tutup",
        "cetak-preform-krat",
        "kemas-amdk",
    ]
    line = report.lines[0]
    assert line.oee_point_idr > 0
    assert {i.key for i in line.items} >= {"equipment_failure", "wasted_energy"}
    assert all(i.unit in {"machine_h", "units", "kWh"} for i in line.items)
    assert line.energy_kwh is not None
    assert line.energy_idr is not None


def test_costs_and_losses_reconcile_in_machine_hours(runtime: Runtime) -> None:
    """The costs page's lost time per line adds up to the losses page's six big losses."""
    report = loss_report(runtime.engine, "plant", custom_window(NOW - timedelta(days=2), NOW, NOW))
    time_keys = {k for k, ms in report.big_losses.items() if ms > 0}
    for key in time_keys:
        hours = sum(i.quantity for ln in report.lines for i in ln.items if i.key == key)
        assert abs(hours - report.big_losses[key] / 3_600_000) < 1e-6


def test_energy_baseline_and_enpi_for_a_later_period(runtime: Runtime) -> None:
    days = NOW.date()
    report = energy_report(
        runtime.engine, "imm-01", (days - timedelta(days=3), days - timedelta(days=1)),
        (days - timedelta(days=1), days),
    )  # fmt: skip
    assert len(report.reference) == 2
    assert report.expected_kwh == sum(p.expected_kwh or 0 for p in report.report)
    assert report.savings_kwh == report.expected_kwh - report.actual_kwh
    assert report.enpi == report.actual_kwh / report.expected_kwh


def test_cli_lists_shows_and_exports_kpis(data_dir: Path, tmp_path: Path, runtime: Runtime) -> None:
    runner = CliRunner()
    common = ["--config", str(DEMO), "--data-dir", str(data_dir)]
    listed = runner.invoke(cli, ["kpi", "list", *common])
    assert listed.exit_code == 0, listed.output
    assert "availability" in listed.output
    window = ["--from", (NOW - timedelta(days=1)).isoformat(), "--to", NOW.isoformat()]
    shown = runner.invoke(
        cli, ["kpi", "show", "--scope", "imm-01", *window, "--kpi", "oee", "--json", *common]
    )
    assert shown.exit_code == 0, shown.output
    assert '"id": "oee"' in shown.output
    out = tmp_path / "kpi.xlsx"
    exported = runner.invoke(
        cli, ["kpi", "export", "--scope", "plant", *window, "--out", str(out), *common]
    )
    assert exported.exit_code == 0, exported.output
    assert "KPIs" in load_workbook(out).sheetnames
    missing = runner.invoke(
        cli, ["kpi", "show", "--scope", "plant", *window, "--kpi", "worker_efficiency", *common]
    )
    assert missing.exit_code == 1
    assert "personnel" in missing.output
