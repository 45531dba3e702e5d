"""A Modbus connector takes a new register map in place when its devices' links stay."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from pabrik.connectors.contract import ConnectionState
from pabrik.connectors.modbus.config import ModbusConfig, ModbusPoint
from pabrik.connectors.modbus.connector import ModbusConnector
from pabrik.connectors.modbus.mapping import PointTracker, carry_tracker
from pabrik.model.site import Plant
from pabrik.model.states import StateClass
from pabrik.runtime.ingest.connectors import IngestSink
from pabrik.storage.sqlite.store import SqliteStore
from tests.connectors.modbus.server import device, modbus_server, server_port, until

pytestmark = pytest.mark.anyio
READS = 150
EVER = (datetime(2000, 1, 1, tzinfo=UTC), datetime.now(UTC) + timedelta(days=1))


def point(**kw: Any) -> ModbusPoint:
    return ModbusPoint.model_validate({"machine": "press-1", **kw})


def config(host: str = "127.0.0.1", signal: str = "temperature") -> ModbusConfig:
    return ModbusConfig.model_validate(
        {
            "id": "plc",
            "devices": [
                {
                    "id": "press-1-plc",
                    "host": host,
                    "points": [{"machine": "press-1", "signal": signal, "address": 0}],
                }
            ],
        }
    )


def test_what_is_known_of_a_register_follows_it_to_its_new_index() -> None:
    old = [
        point(signal="temperature", address=0),
        point(role="count", address=1, type="uint32"),
        point(role="state", address=3, states={"1": "running"}),
    ]
    new = [
        point(role="state", address=3),  # its state map may change; the register is the same
        point(role="count", count_field="scrap", address=1, type="uint32"),
        point(signal="vibration", address=0, scale=2.0),  # another scale: another reading
    ]
    tracker = PointTracker(
        counters={1: 41}, states={2: StateClass.RUNNING}, last_values={0: 7.0}, bad={0: "x"}
    )
    carried = carry_tracker(tracker, old, new)
    assert carried.counters == {1: 41}
    assert carried.states == {0: StateClass.RUNNING}
    assert carried.last_values == {}
    assert carried.bad == {}


async def test_the_same_device_is_remapped_in_place_and_another_host_polled_anew(
    plant: Plant,
) -> None:
    connector = ModbusConnector(config(), plant)
    (kept,) = connector.pollers
    assert await connector.reconfigure(config(signal="pressure"), plant)
    assert connector.pollers == [kept]
    assert await connector.reconfigure(config(host="10.0.0.9"), plant)
    (fresh,) = connector.pollers
    assert fresh is not kept
    assert fresh.device.host == "10.0.0.9"


def two_devices(port: int, *, with_b: bool) -> ModbusConfig:
    a = {
        "id": "a", "host": "127.0.0.1", "port": port, "poll_interval_s": 0.02,
        "points": [{"machine": "press-1", "role": "count", "address": 1}],
    }  # fmt: skip
    b = {
        "id": "b", "host": "127.0.0.1", "port": port, "poll_interval_s": 0.02,
        "points": [{"machine": "press-2", "signal": "temperature", "address": 5}],
    }  # fmt: skip
    devices = [a, b] if with_b else [a]
    return ModbusConfig.model_validate({"id": "plc", "devices": devices, "stagger": False})


async def test_a_device_added_and_removed_live_leaves_the_other_counting_exactly(
    plant: Plant, sink: IngestSink, store: SqliteStore
) -> None:
    reads = 0

    async def count_reads(
        fc: int, start: int, addr: int, count: int, regs: list[int], *_: Any
    ) -> None:
        # Device a's counter steps at each of its reads, up to READS.
        nonlocal reads
        if fc == 3 and addr <= 1 < addr + count and reads < READS:
            reads += 1
            regs[1] = reads

    async with modbus_server(device(action=count_reads)) as server:
        port = server_port(server)
        connector = ModbusConnector(two_devices(port, with_b=False), plant)
        task = asyncio.create_task(connector.run(sink))
        try:
            await until(lambda: reads >= 20)
            assert await connector.reconfigure(two_devices(port, with_b=True), plant)
            await until(lambda: len(store.samples("press-2", "temperature", *EVER)) >= 3)
            b = connector.pollers[1]
            assert await connector.reconfigure(two_devices(port, with_b=False), plant)
            await until(lambda: b.link.state is ConnectionState.DISCONNECTED)
            await until(lambda: reads >= READS)
            polls = connector.metrics.extra["polls.a"]
            await until(lambda: connector.metrics.extra["polls.a"] >= polls + 2)
        finally:
            await connector.stop()
            async with asyncio.timeout(10):
                await task
    assert [p.device.id for p in connector.pollers] == ["a"]
    assert sum(c.good for c in store.counts("press-1", *EVER)) == READS - 1
