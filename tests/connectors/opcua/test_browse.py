"""``pabrik connect browse`` and ``probe`` against a real server: a usable starter map."""

from __future__ import annotations

import asyncio
import copy
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from pabrik.cli.app import app
from pabrik.connectors.opcua.config import OpcuaConfig
from pabrik.connectors.opcua.connector import OpcuaConnector
from pabrik.model.site import Plant
from pabrik.runtime.ingest.connect import ConnectorUnavailableError, browse_opcua
from pabrik.runtime.ingest.connectors import IngestSink
from pabrik.runtime.ingest.pipeline import Ingestor
from pabrik.runtime.plant.siteconfig import parse_site
from pabrik.storage.sqlite.store import SqliteStore
from tests.connectors.opcua.server import PLANT, node, opcua_server, until
from tests.connectors.peers import free_port

pytestmark = pytest.mark.anyio


def plant_for(signals: list[dict[str, Any]]) -> Plant:
    """A plant that declares every machine and signal a starter map names."""
    machines: dict[str, set[str]] = {}
    for s in signals:
        machines.setdefault(s["machine"], set()).add(s["signal"])
    data = dict(PLANT)
    data["areas"] = [
        {
            "id": "a",
            "name": {"id": "Area"},
            "lines": [
                {
                    "id": "l",
                    "name": {"id": "Lini"},
                    "machines": [
                        {
                            "id": m,
                            "name": {"id": m},
                            "products": [{"id": "p", "name": {"id": "p"}, "ideal_cycle_time_s": 1}],
                            "signals": [{"id": s, "name": {"id": s}} for s in sorted(sig)],
                        }
                        for m, sig in machines.items()
                    ],
                }
            ],
        }
    ]
    return Plant.model_validate(data)


async def test_browse_writes_a_starter_map_that_runs_as_is(tmp_path: Path) -> None:
    async with opcua_server() as peer:
        report = await browse_opcua(peer.url, depth=3)
        (entry,) = yaml.safe_load(report.yaml_text)
        config = OpcuaConfig.model_validate(entry | {"publishing_interval_ms": 50})
        by_node = {s.node: s for s in config.signals}
        plant = plant_for([s.model_dump() for s in config.signals])
        store = SqliteStore(tmp_path / "b.sqlite")
        store.upgrade()
        connector = OpcuaConnector(config, plant)
        task = asyncio.create_task(connector.run(IngestSink(Ingestor(store, plant))))
        await until(lambda: connector.metrics.accepted >= len(config.signals))
        await connector.stop()
        await task
    assert report.variables == 6
    assert report.numeric == 5
    assert by_node[node("press-1.temperature")].machine == "press1"
    assert by_node[node("press-1.temperature")].signal == "temperature"
    assert node("press-1.label") not in by_node
    assert "# Press1/Label (String): not numeric, left out" in report.yaml_text
    end = datetime.now(UTC) + timedelta(days=1)
    temps = store.samples("press2", "temperature", end - timedelta(days=2), end)
    assert [s.value for s in temps] == [30.0]
    store.close()


async def test_the_starter_pastes_under_connectors_as_a_list_item() -> None:
    async with opcua_server() as peer:
        report = await browse_opcua(peer.url, depth=3)
    (entry,) = yaml.safe_load(report.yaml_text)
    plant = plant_for(entry["signals"])
    site_text = yaml.safe_dump(plant.model_dump(mode="json", exclude_defaults=True))
    # Pasted unchanged on the line after `connectors:`, next to an entry already there.
    other = "- kind: mqtt\n  id: other\n"
    site = parse_site(site_text + "connectors:\n" + report.yaml_text + other)
    first = site.connectors[0]
    assert isinstance(first, OpcuaConfig)
    assert first.endpoint == peer.url
    assert len(first.signals) == report.numeric
    assert [c.id for c in site.connectors] == [entry["id"], "other"]


async def test_browse_of_an_unreachable_server_says_so() -> None:
    with pytest.raises(ConnectorUnavailableError):
        await browse_opcua(f"opc.tcp://127.0.0.1:{free_port()}/", depth=2)


async def test_the_cli_browses_to_a_file_and_probes_a_configured_connector(
    tmp_path: Path,
) -> None:
    runner = CliRunner()
    out = tmp_path / "map.yaml"
    async with opcua_server() as peer:
        browsed = await asyncio.to_thread(
            runner.invoke, app, ["connect", "browse", peer.url, "--out", str(out), "--depth", "3"]
        )
        (entry,) = yaml.safe_load(out.read_text(encoding="utf-8"))
        site = copy.deepcopy(PLANT) | {"connectors": [entry | {"signals": entry["signals"][:1]}]}
        site["areas"][0]["lines"][0]["machines"][0]["id"] = "press1"
        site_file = tmp_path / "site.yaml"
        site_file.write_text(yaml.safe_dump(site), encoding="utf-8")
        probed = await asyncio.to_thread(
            runner.invoke,
            app,
            ["connect", "probe", "--config", str(site_file), "--connector", entry["id"]],
        )
    missing = await asyncio.to_thread(
        runner.invoke, app, ["connect", "probe", "--config", str(site_file), "--connector", "x"]
    )
    assert browsed.exit_code == 0, browsed.output
    assert probed.exit_code == 0, probed.output
    assert "OK" in probed.output
    assert missing.exit_code == 2
