"""Retention from the site file: rules, enforcement on both backends, and the command."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from pabrik.cli.app import app
from pabrik.model.errors import ConfigError
from pabrik.model.records import Record, SampleRecord, StateRecord
from pabrik.model.site import Plant, Retention
from pabrik.model.states import StateClass
from pabrik.runtime.health.retention import enforce_retention, retention_rules
from pabrik.runtime.plant.siteconfig import load_site
from pabrik.storage.store import RetentionRule, Store
from tests.paths import DEMO

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def demo_plant(**retention: object) -> Plant:
    plant = load_site(DEMO).plant()
    return plant.model_copy(update={"retention": Retention.model_validate(retention)})


def site_file(tmp_path: Path, retention: dict[str, object]) -> Path:
    data = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    data["retention"] = retention
    path = tmp_path / "site.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_no_retention_section_keeps_everything() -> None:
    assert retention_rules(demo_plant(), NOW) == []


def test_raw_days_cover_states_counts_and_samples() -> None:
    rules = retention_rules(demo_plant(raw_days=30), NOW)
    cut = NOW - timedelta(days=30)
    assert rules == [RetentionRule(t, cut) for t in ("states", "counts", "samples")]


def test_a_shorter_signal_gets_its_own_rule_on_every_machine_with_it() -> None:
    rules = retention_rules(demo_plant(raw_days=90, signals={"vibration": 7}), NOW)
    per_signal = [r for r in rules if r.signal_id is not None]
    assert {r.signal_id for r in per_signal} == {"vibration"}
    assert len(per_signal) == len(demo_plant().machines())
    assert all(r.before == NOW - timedelta(days=7) for r in per_signal)


def test_a_longer_signal_holds_the_table_back_and_the_rest_goes_by_signal() -> None:
    rules = retention_rules(demo_plant(raw_days=30, signals={"energy_kwh": 400}), NOW)
    (table_wide,) = [r for r in rules if r.table == "samples" and r.signal_id is None]
    assert table_wide.before == NOW - timedelta(days=400)
    assert "energy_kwh" not in {r.signal_id for r in rules}
    assert {"temperature", "vibration"} <= {r.signal_id for r in rules}


def test_rollups_and_dead_letters_have_their_own_horizons() -> None:
    rules = retention_rules(demo_plant(rollup_years=5, dead_letter_days=14), NOW)
    assert {r.table for r in rules} == {
        "kpi_rollup_hour",
        "kpi_rollup_minute",
        "kpi_rollup_downtime",
        "dead_letters",
    }


def test_the_site_file_rejects_retention_for_unknown_signals(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown signals: humidity"):
        load_site(site_file(tmp_path, {"raw_days": 30, "signals": {"humidity": 3}}))
    with pytest.raises(ConfigError, match="raw_days"):
        load_site(site_file(tmp_path, {"raw_days": 0}))


def history() -> list[Record]:
    out: list[Record] = []
    for days in (200, 60, 20, 1):
        ts = NOW - timedelta(days=days)
        out.append(StateRecord("sim", "imm-01", ts, StateClass.RUNNING))
        out += [SampleRecord("sim", "imm-01", s, ts, 1.0) for s in ("vibration", "temperature")]
    return out


def test_enforcing_keeps_recent_data_and_the_short_signal_only_briefly(store: Store) -> None:
    store.write(history())
    plant = demo_plant(raw_days=90, signals={"vibration": 10})
    planned = {
        (r.rule.table, r.rule.machine_id, r.rule.signal_id): r.rows
        for r in enforce_retention(store, plant, NOW, dry_run=True)
    }
    assert planned["states", None, None] == 1
    assert planned["samples", None, None] == 2
    assert (
        planned["samples", "imm-01", "vibration"] == 3
    )  # counted per rule: overlaps the table rule
    assert store.row_counts()["samples"] == 8
    enforce_retention(store, plant, NOW)
    since = NOW - timedelta(days=365)
    assert len(store.samples("imm-01", "temperature", since, NOW)) == 3
    assert len(store.samples("imm-01", "vibration", since, NOW)) == 1
    assert [s.ts for s in store.states("imm-01", NOW - timedelta(days=90), NOW)] == [
        NOW - timedelta(days=60),
        NOW - timedelta(days=20),
        NOW - timedelta(days=1),
    ]
    assert enforce_retention(store, plant, NOW)[0].rows == 0  # nothing left to do


def test_the_command_reports_a_dry_run(tmp_path: Path) -> None:
    site = site_file(tmp_path, {"raw_days": 30, "dead_letter_days": 7})
    args = ["db", "retention", "--config", str(site), "--data-dir", str(tmp_path / "d")]
    result = CliRunner().invoke(app, [*args, "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "would remove states before" in result.output
    assert "would remove dead_letters before" in result.output
    assert CliRunner().invoke(app, args).exit_code == 0
