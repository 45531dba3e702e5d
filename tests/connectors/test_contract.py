"""The contract every connector keeps, run over every registered factory and every folder.

Each registered kind is built from a site-file config that carries a password and a key
password, pointed at a port where nothing listens; the secrets must never show in its
diagnostics, its configuration's text, or any log record written while it tries to connect.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import json
import logging
import pkgutil
import random
from datetime import UTC, datetime
from typing import Any, get_args

import pytest
from pydantic import TypeAdapter

import pabrik.connectors
from pabrik.connectors.backoff import Backoff
from pabrik.connectors.contract import (
    REDACTED,
    REPORT_KEYS,
    ConnectionState,
    Connector,
    ConnectorMetrics,
    Link,
    error_text,
    redact,
    weakest,
)
from pabrik.connectors.csv.config import CsvOptions
from pabrik.connectors.simulator import SimulatorConfig, SimulatorConnector
from pabrik.model.site import Plant
from pabrik.runtime.ingest.connectors import FACTORIES, IngestSink, build_connectors
from pabrik.runtime.plant.siteconfig import ConnectorConfig
from tests.connectors.peers import free_port

PASSWORD = "pw-Zq81-never-shown"
KEY_PASSWORD = "key-Zq81-never-shown"
# Kinds whose config has no secret field; the secret checks hold for them trivially.
NO_SECRETS = frozenset({"modbus"})
WAIT_S = 20.0


def _broker(port: int) -> dict[str, Any]:
    return {
        "host": "127.0.0.1",
        "port": port,
        "client_id": "contract",
        "username": "pabrik",
        "password": PASSWORD,
        "tls": {"key_password": KEY_PASSWORD},
        "connect_timeout_s": 2,
        "reconnect_initial_s": 0.05,
        "reconnect_max_s": 0.2,
    }


def site_configs(port: int) -> dict[str, dict[str, Any]]:
    """One config per registered kind, as written in a site file, aimed at ``port``."""
    retry = {"reconnect_initial_s": 0.05, "reconnect_max_s": 0.2}
    device = {
        "id": "press",
        "host": "127.0.0.1",
        "port": port,
        "timeout_s": 0.5,
        "poll_interval_s": 0.05,
        "points": [{"machine": "press-1", "signal": "temperature", "address": 0}],
    }
    return {
        "mqtt": {"kind": "mqtt", "id": "mqtt", "broker": _broker(port)},
        "sparkplug": {"kind": "sparkplug", "id": "spb", "broker": _broker(port)},
        "opcua": {
            "kind": "opcua",
            "id": "ua",
            "endpoint": f"opc.tcp://127.0.0.1:{port}/pabrik/",
            "username": "operator",
            "password": PASSWORD,
            "security": {"private_key_password": KEY_PASSWORD},
            "timeout_s": 1,
            "signals": [{"node": "ns=2;s=t", "machine": "press-1", "signal": "temperature"}],
        }
        | retry,
        "modbus": {"kind": "modbus", "id": "plc", "devices": [device]} | retry,
    }


def load(kind: str, port: int | None = None) -> Any:
    """The validated config of ``kind``, exactly as the site file loader makes it."""
    data = site_configs(port or free_port())[kind]
    return TypeAdapter(ConnectorConfig).validate_python(data)


def build(kind: str, plant: Plant, port: int | None = None) -> tuple[Any, Connector]:
    config = load(kind, port)
    (connector,) = build_connectors([config], plant)
    return config, connector


def secrets_in(text: str) -> list[str]:
    return [s for s in (PASSWORD, KEY_PASSWORD) if s in text]


KINDS = sorted(FACTORIES)


def test_every_kind_but_the_simulator_is_registered_and_has_a_contract_case() -> None:
    site_kinds = {get_args(c.model_fields["kind"].annotation)[0] for c in _config_classes()}
    # The simulator is driven by SimulationRunner, not by the connector supervisor.
    assert set(FACTORIES) == site_kinds - {"simulator"}
    assert set(site_configs(1)) == set(FACTORIES)


def _config_classes() -> tuple[Any, ...]:
    union = get_args(ConnectorConfig)[0]
    return get_args(union)


@pytest.mark.parametrize("kind", KINDS)
def test_the_factory_builds_a_disconnected_connector_with_the_common_report(
    kind: str, test_plant: Plant
) -> None:
    config, connector = build(kind, test_plant)
    report = connector.diagnostics()
    assert connector.id == config.id
    assert connector.state is ConnectionState.DISCONNECTED
    assert tuple(report) == REPORT_KEYS
    assert (report["kind"], report["name"], report["state"]) == (kind, config.id, "disconnected")
    assert report["metrics"]["reconnects"] == 0
    json.dumps(report)  # JSON-ready, for the API and support bundles


@pytest.mark.parametrize("kind", KINDS)
def test_secrets_never_show_in_diagnostics_or_in_the_configuration_text(
    kind: str, test_plant: Plant
) -> None:
    config, connector = build(kind, test_plant)
    report = json.dumps(connector.diagnostics())
    for text in (report, repr(config), str(config), config.model_dump_json()):
        assert secrets_in(text) == []
    if kind not in NO_SECRETS:
        assert REDACTED in report


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
async def test_trying_to_reach_nothing_logs_no_secret_and_stops_cleanly(
    kind: str, test_plant: Plant, sink: IngestSink, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    _, connector = build(kind, test_plant)
    task = asyncio.create_task(connector.run(sink))
    async with asyncio.timeout(WAIT_S):
        while connector.metrics.last_error is None:  # noqa: ASYNC110 - a plain read
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.3)  # a few retries with backoff
        await connector.stop()
        await task
    assert connector.state is ConnectionState.DISCONNECTED
    assert connector.metrics.reconnects == 0  # failed attempts are not reconnects
    assert caplog.records
    for record in caplog.records:
        assert secrets_in(record.getMessage()) == [], record.name
        assert secrets_in(record.exc_text or "") == [], record.name


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
async def test_a_probe_of_nothing_fails_with_a_plain_reason(kind: str, test_plant: Plant) -> None:
    _, connector = build(kind, test_plant)
    async with asyncio.timeout(WAIT_S):
        result = await connector.probe()
    said = " ".join([result.detail, *map(str, result.facts.values())])
    assert not result.ok
    assert "cannot connect" in said
    assert "\n" not in said
    assert "Traceback" not in said
    assert secrets_in(said) == []


@pytest.mark.anyio
@pytest.mark.parametrize("kind", KINDS)
async def test_stop_before_run_is_safe(kind: str, test_plant: Plant) -> None:
    _, connector = build(kind, test_plant)
    async with asyncio.timeout(WAIT_S):
        await connector.stop()
    assert connector.state is ConnectionState.DISCONNECTED
    assert connector.diagnostics()["state"] == "disconnected"


def _folders() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(pabrik.connectors.__path__) if m.ispkg)


@pytest.mark.parametrize("folder", _folders())
def test_every_connector_folder_has_the_same_diagnostics_function(folder: str) -> None:
    module = importlib.import_module(f"pabrik.connectors.{folder}.diagnostics")
    signature = inspect.signature(module.diagnostics)
    assert list(signature.parameters) == ["config", "metrics", "state", "details"]
    assert signature.return_annotation == "dict[str, Any]"


@pytest.mark.parametrize(
    ("folder", "config"),
    [("csv", CsvOptions(kind="samples", source="history")), ("simulator", SimulatorConfig(seed=1))],
)
def test_folders_without_a_factory_report_the_common_keys_too(folder: str, config: Any) -> None:
    module = importlib.import_module(f"pabrik.connectors.{folder}.diagnostics")
    metrics = ConnectorMetrics(received=3, last_message_at=datetime(2025, 1, 2, tzinfo=UTC))
    report = module.diagnostics(config, metrics, ConnectionState.CONNECTED, {"rows": 3})
    assert tuple(report) == REPORT_KEYS
    assert report["kind"] == folder
    assert report["metrics"]["last_message_at"] == "2025-01-02T00:00:00+00:00"
    json.dumps(report)


def test_the_simulator_reports_itself_connected(test_plant: Plant) -> None:
    anchor = datetime(2025, 1, 6, tzinfo=UTC)
    sim = SimulatorConnector(test_plant, SimulatorConfig(seed=1), anchor)
    sim.poll(datetime(2025, 1, 6, 1, tzinfo=UTC))
    report = sim.diagnostics()
    assert report["state"] == "connected"
    assert report["metrics"]["received"] == sim.metrics.records > 0


def test_a_reconnect_is_a_return_to_connected_after_a_loss_not_a_failed_attempt() -> None:
    metrics = ConnectorMetrics()
    link = Link(metrics)
    for state in ("connecting", "disconnected", "connecting", "connected"):
        link.set(ConnectionState(state))
    assert metrics.reconnects == 0
    for state in ("disconnected", "connecting", "disconnected", "connecting", "connected"):
        link.set(ConnectionState(state))
    assert metrics.reconnects == 1


def test_a_connector_is_as_connected_as_its_weakest_device() -> None:
    up, trying, down = (ConnectionState(s) for s in ("connected", "connecting", "disconnected"))
    assert weakest([up, up]) is up
    assert weakest([up, trying]) is trying
    assert weakest([trying, down, up]) is down
    assert weakest([]) is down


def test_a_library_error_becomes_one_short_line() -> None:
    err = ConnectionRefusedError(111, "Connect call failed\n  ('127.0.0.1', 1)")
    line = "ConnectionRefusedError: [Errno 111] Connect call failed ('127.0.0.1', 1)"
    assert error_text(err) == line
    assert error_text(TimeoutError()) == "TimeoutError"
    assert len(error_text(ValueError("x" * 1000))) == 300


def test_secrets_are_redacted_at_any_depth_and_under_any_common_name() -> None:
    config = {
        "host": "broker",
        "mqtt_password": "p",
        "tls": {"key_password": "k", "client_secret": "s", "api_token": "t"},
        "users": [{"name": "a", "passphrase": "x"}],
    }
    out = redact(config)
    assert out["host"] == "broker"
    assert out["mqtt_password"] == REDACTED
    assert set(out["tls"].values()) == {REDACTED}
    assert out["users"][0] == {"name": "a", "passphrase": REDACTED}
    assert config["mqtt_password"] == "p"  # the original is untouched


def test_backoff_doubles_up_to_its_cap_with_jitter_and_resets() -> None:
    b = Backoff(initial=1, maximum=8, rng=random.Random(1))
    delays = [b.next_delay() for _ in range(6)]
    caps = [1, 2, 4, 8, 8, 8]
    assert all(cap / 2 <= d <= cap for d, cap in zip(delays, caps, strict=True))
    b.reset()
    assert b.next_delay() <= 1


def test_backoff_without_jitter_gives_the_exact_ceilings_the_store_gate_logs() -> None:
    b = Backoff(initial=0.5, maximum=4, jitter=False)
    assert [b.next_delay() for _ in range(5)] == [0.5, 1.0, 2.0, 4.0, 4.0]


def test_backoff_stays_at_its_ceiling_through_an_outage_of_weeks() -> None:
    b = Backoff(initial=0.5, maximum=30, factor=3)
    delays = [b.next_delay() for _ in range(50_000)]
    assert 15 <= delays[-1] <= 30
    assert b.cap(10_000) == 30
