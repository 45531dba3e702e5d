"""``pabrik serve --no-connectors`` serves pages and leaves the connectors to ingest workers."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import yaml
from typer.testing import CliRunner

from pabrik.cli.app import app
from pabrik.runtime.app import build_runtime
from pabrik.runtime.plant.siteconfig import SiteConfig, load_site
from pabrik.runtime.settings import Settings
from tests.paths import DEMO


def _site_with_mqtt(folder: Path) -> Path:
    data: dict[str, Any] = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    data["connectors"].append(
        {"kind": "mqtt", "id": "gateway", "broker": {"host": "127.0.0.1", "port": 1}}
    )
    path = folder / "site.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_a_web_only_runtime_runs_none_of_the_site_connectors(tmp_path: Path) -> None:
    settings = Settings(config=_site_with_mqtt(tmp_path), data_dir=tmp_path / "data")
    runtime = build_runtime(settings, import_file=True, connectors=False)
    try:
        assert runtime.connector_states() == []
        assert runtime.simulation is not None  # a demo site's simulator still runs here
    finally:
        runtime.close()
    both = build_runtime(settings, import_file=True)
    try:
        assert [c.id for c in both.connector_states()] == ["gateway"]
    finally:
        both.close()


def test_a_new_configuration_starts_no_connector_in_a_web_only_runtime(tmp_path: Path) -> None:
    path = _site_with_mqtt(tmp_path)
    settings = Settings(config=path, data_dir=tmp_path / "data")
    runtime = build_runtime(settings, import_file=True, connectors=False)
    try:
        data = load_site(path).model_dump(mode="json")
        data["connectors"].append(
            {"kind": "mqtt", "id": "gateway-2", "broker": {"host": "127.0.0.1", "port": 1}}
        )
        site = SiteConfig.model_validate(data)
        asyncio.run(runtime.apply_config(site, runtime.config_version + 1))
        assert runtime.connector_states() == []
    finally:
        runtime.close()


def test_serve_documents_the_option() -> None:
    result = CliRunner().invoke(app, ["serve", "--help"], env={"COLUMNS": "200"})
    assert "--no-connectors" in result.output
