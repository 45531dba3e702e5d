"""No poison value on OPC UA: a value that cannot be mapped is dead-lettered, the rest flows."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from pabrik.connectors.opcua import mapping
from pabrik.connectors.opcua.config import OpcuaConfig
from pabrik.connectors.opcua.connector import OpcuaConnector
from pabrik.model.site import Plant
from pabrik.runtime.ingest.connectors import IngestSink
from pabrik.storage.sqlite.store import SqliteStore
from tests.connectors.opcua.rig import running
from tests.connectors.opcua.server import node, opcua_server, until

pytestmark = pytest.mark.anyio

EVER = (datetime(2000, 1, 1, tzinfo=UTC), datetime.now(UTC) + timedelta(days=1))
SIGNALS: list[dict[str, Any]] = [
    {"node": node("press-1.temperature"), "machine": "press-1", "signal": "temperature"},
    {"node": node("press-1.pressure"), "machine": "press-1", "signal": "pressure"},
]


# A text node mapped where a number is expected.
LABEL = {"node": node("press-1.label"), "machine": "press-1", "signal": "v0"}


def config(url: str, signals: list[dict[str, Any]] = SIGNALS) -> OpcuaConfig:
    return OpcuaConfig.model_validate(
        {
            "id": "ua",
            "endpoint": url,
            "publishing_interval_ms": 50,
            "sampling_interval_ms": 20,
            "timeout_s": 2,
            "reconnect_initial_s": 0.05,
            "reconnect_max_s": 0.2,
            "signals": signals,
        }
    )


def values(store: SqliteStore, signal: str) -> list[float]:
    return [s.value for s in store.samples("press-1", signal, *EVER)]


async def test_text_nan_and_absurd_values_are_dead_lettered_and_good_values_follow(
    plant: Plant, sink: IngestSink, store: SqliteStore
) -> None:
    async with opcua_server() as peer:
        connector = OpcuaConnector(config(peer.url, [*SIGNALS, LABEL]), plant)
        async with running(connector, sink):
            await until(lambda: len(values(store, "pressure")) >= 1)
            await peer.write("press-1.pressure", float("nan"))
            await asyncio.sleep(0.3)
            await peer.write("press-1.temperature", 1e308)
            await asyncio.sleep(0.3)
            await peer.write("press-1.temperature", 30.0)
            await peer.write("press-1.pressure", 90.0)
            await until(lambda: 90.0 in values(store, "pressure"))
            await until(lambda: 30.0 in values(store, "temperature"))
    codes = sorted(d.reason_code for d in store.dead_letters(10, 0))
    assert codes == ["out_of_range", "wrong_type", "wrong_type"]
    assert values(store, "temperature") == [21.5, 30.0]
    assert connector.metrics.reconnects == 0


async def test_a_value_whose_mapping_raises_is_a_dead_letter_and_the_connector_keeps_going(
    plant: Plant, sink: IngestSink, store: SqliteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = mapping.to_number

    def broken(value: object) -> float | None:
        if value == 666.0:
            raise RuntimeError("decoder bug")
        return real(value)

    monkeypatch.setattr(mapping, "to_number", broken)
    async with opcua_server() as peer:
        connector = OpcuaConnector(config(peer.url), plant)
        async with running(connector, sink):
            await until(lambda: len(values(store, "pressure")) >= 1)
            await peer.write("press-1.temperature", 666.0)
            await peer.write("press-1.pressure", 90.0)
            await asyncio.sleep(0.3)
            await peer.write("press-1.temperature", 30.0)
            await until(lambda: 30.0 in values(store, "temperature"))
    letters = store.dead_letters(10, 0)
    assert [d.reason_code for d in letters] == ["decode_error"]
    assert "RuntimeError: decoder bug" in letters[0].detail
    assert letters[0].payload == "ns=2;s=press-1.temperature = 666.0"
    assert values(store, "pressure") == [101.0, 90.0]
    assert connector.metrics.reconnects == 0


def test_a_value_that_cannot_even_be_printed_is_kept_by_its_type() -> None:
    class Unprintable:
        def __repr__(self) -> str:
            raise ValueError("too long")

    change = mapping.Change("ns=2;s=x", Unprintable(), 0, EVER[0])
    assert mapping.raw_text(change) == "ns=2;s=x = <Unprintable that cannot be printed>"
