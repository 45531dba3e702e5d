"""No poison value on Modbus: a point that cannot be mapped is dead-lettered, the rest flows."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from pabrik.connectors.modbus import mapping
from pabrik.connectors.modbus.config import ModbusConfig
from pabrik.connectors.modbus.connector import ModbusConnector
from pabrik.connectors.modbus.mapping import Value, encode
from pabrik.model.site import Plant
from pabrik.runtime.ingest.connectors import IngestSink
from pabrik.storage.sqlite.store import SqliteStore
from tests.connectors.modbus.server import device, modbus_server, server_port, until

pytestmark = pytest.mark.anyio

EVER = (datetime(2000, 1, 1, tzinfo=UTC), datetime.now(UTC) + timedelta(days=1))
POISON = 0xDEAD

POINTS: list[dict[str, Any]] = [
    {"machine": "press-1", "signal": "temperature", "address": 0, "type": "float32"},
    {"machine": "press-1", "signal": "pressure", "address": 2, "type": "int16", "scale": 0.1},
    {"machine": "press-1", "role": "state", "address": 3, "type": "string", "length": 2},
    {"machine": "press-1", "signal": "flow", "address": 5, "type": "float64"},
]


def config(port: int) -> ModbusConfig:
    return ModbusConfig.model_validate(
        {
            "id": "plc",
            "devices": [
                {
                    "id": "press",
                    "host": "127.0.0.1",
                    "port": port,
                    "poll_interval_s": 0.02,
                    "timeout_s": 0.5,
                    "points": POINTS,
                }
            ],
        }
    )


@asynccontextmanager
async def running(connector: ModbusConnector, sink: IngestSink) -> AsyncIterator[None]:
    task = asyncio.create_task(connector.run(sink))
    try:
        yield
    finally:
        await connector.stop()
        async with asyncio.timeout(10):
            await task


def pressures(store: SqliteStore) -> list[float]:
    return [round(s.value, 6) for s in store.samples("press-1", "pressure", *EVER)]


def polls(connector: ModbusConnector) -> int:
    return int(connector.metrics.extra.get("polls.press", 0))


async def test_text_nan_and_absurd_values_are_dead_lettered_and_good_points_flow(
    plant: Plant, sink: IngestSink, store: SqliteStore
) -> None:
    holding = (
        encode(float("nan"), "float32")
        + encode(-125, "int16")
        + encode("ab", "string", length=2)
        + encode(1e308, "float64")
        + [0]
    )
    async with modbus_server(device(holding=holding)) as server:
        connector = ModbusConnector(config(server_port(server)), plant)
        async with running(connector, sink):
            await until(lambda: polls(connector) >= 3)
    letters = store.dead_letters(100, 0)
    assert {d.reason_code for d in letters} == {"not_finite", "out_of_range", "unmapped_state"}
    assert set(pressures(store)) == {-12.5}
    assert len(pressures(store)) >= 3
    assert connector.metrics.last_error is None


async def test_a_point_whose_mapping_raises_is_a_dead_letter_and_the_others_are_stored(
    plant: Plant, sink: IngestSink, store: SqliteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = mapping.decode

    def broken(registers: Sequence[int], dtype: str, *args: Any) -> Value:
        if POISON in registers:
            raise RuntimeError("decoder bug")
        return real(registers, dtype, *args)

    monkeypatch.setattr(mapping, "decode", broken)
    holding = encode(21.5, "float32") + encode(-125, "int16") + [POISON, POISON] + [0] * 5
    async with modbus_server(device(holding=holding)) as server:
        connector = ModbusConnector(config(server_port(server)), plant)
        async with running(connector, sink):
            await until(lambda: polls(connector) >= 3)
            await until(lambda: len(store.dead_letters(10, 0)) >= 2)
    letters = store.dead_letters(10, 0)
    assert {d.reason_code for d in letters} == {"decode_error"}
    assert "RuntimeError: decoder bug" in letters[0].detail
    assert letters[0].payload == f"holding 3 = [{POISON}, {POISON}]"
    assert set(pressures(store)) == {-12.5}
    assert len(pressures(store)) >= 3
    assert {s.value for s in store.samples("press-1", "temperature", *EVER)} == {21.5}
    assert connector.metrics.last_error is None
