"""The OPC UA connector's test rig: its configuration, a running connector and what it stored."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from asyncua import Server

from pabrik.connectors.opcua.config import OpcuaConfig
from pabrik.connectors.opcua.connector import OpcuaConnector
from pabrik.runtime.ingest.connectors import IngestSink
from pabrik.storage.sqlite.store import SqliteStore
from tests.connectors.opcua.server import node

EVER = (datetime(2000, 1, 1, tzinfo=UTC), datetime.now(UTC) + timedelta(days=1))

SIGNALS: list[dict[str, Any]] = [
    {"node": node("press-1.temperature"), "machine": "press-1", "signal": "temperature"},
    {"node": node("press-1.pressure"), "machine": "press-1", "signal": "pressure", "scale": 0.5},
    {"node": node("press-1.state"), "machine": "press-1", "role": "state"},
    {"node": node("press-1.counter"), "machine": "press-1", "role": "count"},
]


def config(url: str, signals: list[dict[str, Any]] | None = None, **kw: Any) -> OpcuaConfig:
    data: dict[str, Any] = {
        "id": "ua",
        "endpoint": url,
        "publishing_interval_ms": 50,
        "sampling_interval_ms": 20,
        "watchdog_interval_s": 0.2,
        "timeout_s": 2,
        "reconnect_initial_s": 0.05,
        "reconnect_max_s": 0.2,
        "signals": signals or SIGNALS,
    }
    return OpcuaConfig.model_validate(data | kw)


@asynccontextmanager
async def running(connector: OpcuaConnector, sink: IngestSink) -> AsyncIterator[None]:
    task = asyncio.create_task(connector.run(sink))
    try:
        yield
    finally:
        await connector.stop()
        async with asyncio.timeout(15):
            await task


def samples(store: SqliteStore, signal: str, machine: str = "press-1") -> list[Any]:
    return store.samples(machine, signal, *EVER)


def server_subscriptions(server: Server) -> dict[int, Any]:
    return dict(server.iserver.subscription_service.subscriptions)
