"""``pabrik group site`` keeps a plant's site file on the central; ``pabrik programme send``."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from typer.testing import CliRunner

from pabrik.cli.app import app
from pabrik.runtime.federation.group import Group
from pabrik.runtime.settings import Settings
from pabrik.storage.sqlite.store import SqliteStore
from tests.paths import DEMO

runner = CliRunner()
NOW = datetime(2026, 1, 5, tzinfo=UTC)


def test_a_registered_plants_site_file_joins_its_companys_group(tmp_path: Path) -> None:
    data = ["--data-dir", str(tmp_path)]
    added = runner.invoke(app, ["plants", "add", "plant-a", "--tenant", "default", *data])
    assert added.exit_code == 0, added.output
    kept = runner.invoke(app, ["group", "site", "plant-a", "--file", str(DEMO), *data])
    assert kept.exit_code == 0, kept.output
    assert "plant-a" in kept.output
    store = SqliteStore(Settings(data_dir=tmp_path).sqlite_path())
    try:
        sites, skipped = Group(store, lambda: NOW).sites("default")
        assert [s[0] for s in sites] == ["plant-a"]
        assert skipped == []
        assert sites[0][2].machines()
    finally:
        store.close()


def test_an_unknown_plant_or_a_bad_site_file_is_refused(tmp_path: Path) -> None:
    data = ["--data-dir", str(tmp_path)]
    unknown = runner.invoke(app, ["group", "site", "nowhere", "--file", str(DEMO), *data])
    assert unknown.exit_code != 0
    runner.invoke(app, ["plants", "add", "plant-b", "--tenant", "default", *data])
    bad = tmp_path / "bad.yaml"
    bad.write_text("site: [", encoding="utf-8")
    refused = runner.invoke(app, ["group", "site", "plant-b", "--file", str(bad), *data])
    assert refused.exit_code != 0


def test_programme_send_with_nothing_waiting_delivers_nothing(tmp_path: Path) -> None:
    sent = runner.invoke(app, ["programme", "send", "--data-dir", str(tmp_path)])
    assert sent.exit_code == 0, sent.output
    assert "0" in sent.output
