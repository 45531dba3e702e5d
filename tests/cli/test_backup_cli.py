"""``pabrik backup`` and ``pabrik restore`` on the command line."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from pabrik.cli.app import app
from pabrik.runtime.health.backup import Manifest, read_manifest
from pabrik.storage.sqlite.store import SqliteStore


def test_backup_and_restore_commands(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "data" / "pabrik.sqlite")
    store.upgrade()
    store.close()
    runner = CliRunner()
    made = runner.invoke(app, ["backup", str(tmp_path / "b"), "--data-dir", str(tmp_path / "data")])
    assert made.exit_code == 0, made.output
    assert "backed up" in made.output
    assert isinstance(read_manifest(tmp_path / "b"), Manifest)
    again = runner.invoke(
        app, ["restore", str(tmp_path / "b"), "--data-dir", str(tmp_path / "data")]
    )
    assert again.exit_code == 1
    assert "--replace" in again.output
    done = runner.invoke(app, ["restore", str(tmp_path / "b"), "--data-dir", str(tmp_path / "new")])
    assert done.exit_code == 0, done.output
    assert (tmp_path / "new" / "pabrik.sqlite").is_file()
