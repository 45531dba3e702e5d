"""The OPC UA connector takes a changed configuration in place when its session can stay."""

from __future__ import annotations

from typing import Any

import pytest

from pabrik.connectors.opcua.connector import OpcuaConnector
from pabrik.model.site import Plant
from pabrik.runtime.ingest.connectors import IngestSink
from pabrik.storage.sqlite.store import SqliteStore
from tests.connectors.opcua.rig import config, running, samples, server_subscriptions
from tests.connectors.opcua.server import node, opcua_server, until

pytestmark = pytest.mark.anyio
TEMPERATURE: list[dict[str, Any]] = [
    {"node": node("press-1.temperature"), "machine": "press-1", "signal": "temperature"}
]
AS_PRESSURE: list[dict[str, Any]] = [
    {"node": node("press-1.temperature"), "machine": "press-1", "signal": "pressure"}
]


async def test_a_new_plant_with_the_same_signals_keeps_the_subscriptions(
    plant: Plant, sink: IngestSink, store: SqliteStore
) -> None:
    async with opcua_server() as peer:
        connector = OpcuaConnector(config(peer.url, TEMPERATURE), plant)
        async with running(connector, sink):
            await until(lambda: len(samples(store, "temperature")) >= 1)
            before = set(server_subscriptions(peer.server))
            assert await connector.reconfigure(config(peer.url, TEMPERATURE), plant)
            await peer.write("press-1.temperature", 25.0)
            await until(lambda: len(samples(store, "temperature")) >= 2)
            assert set(server_subscriptions(peer.server)) == before
    assert [s.value for s in samples(store, "temperature")] == [21.5, 25.0]


async def test_new_signals_get_new_subscriptions_and_the_old_ones_are_deleted(
    plant: Plant, sink: IngestSink, store: SqliteStore
) -> None:
    async with opcua_server() as peer:
        connector = OpcuaConnector(config(peer.url, TEMPERATURE), plant)
        async with running(connector, sink):
            await until(lambda: len(samples(store, "temperature")) >= 1)
            before = set(server_subscriptions(peer.server))
            assert await connector.reconfigure(config(peer.url, AS_PRESSURE), plant)
            after = set(server_subscriptions(peer.server))
            assert after
            assert not after & before
            assert connector.session.subscriptions == sorted(after)
            await peer.write("press-1.temperature", 25.0)
            await until(lambda: len(samples(store, "pressure")) >= 1)
    # The current value was taken under the old mapping; it is not stored again.
    assert [s.value for s in samples(store, "temperature")] == [21.5]
    assert [s.value for s in samples(store, "pressure")] == [25.0]


async def test_read_mode_takes_new_signals_between_two_polls(
    plant: Plant, sink: IngestSink, store: SqliteStore
) -> None:
    async with opcua_server() as peer:
        kw: dict[str, Any] = {"mode": "read", "read_interval_s": 0.05}
        connector = OpcuaConnector(config(peer.url, TEMPERATURE, **kw), plant)
        async with running(connector, sink):
            await until(lambda: len(samples(store, "temperature")) >= 1)
            assert await connector.reconfigure(config(peer.url, AS_PRESSURE, **kw), plant)
            await until(lambda: len(samples(store, "pressure")) >= 1)
            polls = connector.session.read_calls
            await until(lambda: connector.session.read_calls > polls)
    assert connector.metrics.rejected == 0


async def test_another_endpoint_or_interval_needs_a_restart(plant: Plant) -> None:
    connector = OpcuaConnector(config("opc.tcp://127.0.0.1:4840/", TEMPERATURE), plant)
    assert not await connector.reconfigure(config("opc.tcp://10.0.0.9:4840/", TEMPERATURE), plant)
    slower = config("opc.tcp://127.0.0.1:4840/", TEMPERATURE, publishing_interval_ms=500)
    assert not await connector.reconfigure(slower, plant)
