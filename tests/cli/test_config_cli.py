"""``pabrik config export|import|versions|diff|restore``: YAML as import and export form."""

from __future__ import annotations

import stat
from pathlib import Path

from typer.testing import CliRunner

from pabrik.cli.app import app
from pabrik.runtime.plant.canonical import canonical_yaml
from tests.paths import DEMO
from tests.runtime.plant.configsites import SECRET_MQTT, site

runner = CliRunner()


def cli(*args: str) -> str:
    result = runner.invoke(app, ["config", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_export_import_export_gives_identical_bytes(tmp_path: Path) -> None:
    data, fresh = str(tmp_path / "data"), str(tmp_path / "fresh")
    cli("import", str(DEMO), "--data-dir", data, "--user", "ani")
    first, second, third = (tmp_path / f"e{i}.yaml" for i in (1, 2, 3))
    cli("export", "--out", str(first), "--data-dir", data)
    assert "unchanged: still version 1" in cli("import", str(first), "--data-dir", data)
    cli("export", "--out", str(second), "--data-dir", data)
    assert first.read_bytes() == second.read_bytes()
    assert "OK" in cli("check", str(first))
    # Into a fresh folder: the same configuration, byte for byte.
    assert "imported as version 1" in cli("import", str(first), "--data-dir", fresh)
    cli("export", "--out", str(third), "--data-dir", fresh)
    assert third.read_bytes() == first.read_bytes()


def test_versions_diff_and_restore_from_the_command_line(tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    cli("import", str(DEMO), "--data-dir", data, "--user", "ani", "--note", "awal")
    edited = tmp_path / "edited.yaml"
    text = cli("export", "--data-dir", data)
    assert "downtime_cost_per_hour_idr: 4500000" in text
    edited.write_text(text.replace("4500000", "4750000", 1), encoding="utf-8")
    cli("import", str(edited), "--data-dir", data, "--user", "budi", "--note", "biaya naik")
    diff = cli("diff", "1", "2", "--data-dir", data)
    assert "-        downtime_cost_per_hour_idr: 4500000\n" in diff
    assert "+        downtime_cost_per_hour_idr: 4750000\n" in diff
    assert "version 1 restored as version 3" in cli("restore", "1", "--data-dir", data)
    lines = cli("versions", "--data-dir", data).splitlines()
    assert [line.split("  ")[0] for line in lines] == ["v3", "v2", "v1"]
    assert lines[1].endswith("budi  biaya naik")
    assert lines[0].endswith("(restores v1)")
    assert cli("export", "--data-dir", data) == text


def test_an_invalid_file_is_refused_by_path_and_nothing_is_stored(tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    bad = tmp_path / "bad.yaml"
    bad.write_text(DEMO.read_text(encoding="utf-8").replace("id: imm-01", "id: IMM 01", 1))
    result = runner.invoke(app, ["config", "import", str(bad), "--data-dir", data])
    assert result.exit_code == 2
    assert "areas[0].lines[0].machines[0].id" in result.output
    empty = runner.invoke(app, ["config", "export", "--data-dir", data])
    assert empty.exit_code == 1
    assert "no configuration is stored yet" in empty.output


def test_an_export_is_private_to_its_owner_and_a_diff_masks_passwords(tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    with_secret = canonical_yaml(site(SECRET_MQTT))
    first, second = tmp_path / "one.yaml", tmp_path / "two.yaml"
    first.write_text(with_secret, encoding="utf-8")
    second.write_text(with_secret.replace("'rahasia: ''x'' #1'", "sandi-baru-99"), encoding="utf-8")
    assert "sandi-baru-99" in second.read_text(encoding="utf-8")
    cli("import", str(first), "--data-dir", data)
    cli("import", str(second), "--data-dir", data)
    diff = cli("diff", "1", "2", "--data-dir", data)
    assert "password: **redacted**" in diff
    assert "sandi-baru-99" not in diff
    assert "rahasia" not in diff
    exported = tmp_path / "export.yaml"
    exported.write_text("old", encoding="utf-8")
    exported.chmod(0o644)
    cli("export", "--out", str(exported), "--data-dir", data)
    assert stat.S_IMODE(exported.stat().st_mode) == 0o600
    assert "sandi-baru-99" in exported.read_text(encoding="utf-8")  # the export is complete
    fresh = tmp_path / "fresh.yaml"
    cli("export", "--out", str(fresh), "--data-dir", data)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o600
