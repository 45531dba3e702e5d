"""The Modbus connector against real pymodbus servers on free ports, into SQLite."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pymodbus.client import AsyncModbusTcpClient

from pabrik.connectors.contract import ConnectionState, InputRejection, Sink
from pabrik.connectors.modbus.config import ModbusConfig
from pabrik.connectors.modbus.connector import ModbusConnector
from pabrik.connectors.modbus.mapping import encode
from pabrik.model.records import Record
from pabrik.model.site import Plant
from pabrik.model.states import Quality, StateClass
from pabrik.runtime.ingest.connectors import IngestSink
from pabrik.storage.sqlite.store import SqliteStore
from tests.connectors.modbus.server import device, modbus_server, server_port, silent_server, until
from tests.connectors.peers import free_port

pytestmark = pytest.mark.anyio

EVER = (datetime(2000, 1, 1, tzinfo=UTC), datetime.now(UTC) + timedelta(days=1))

POINTS: list[dict[str, Any]] = [
    {"machine": "press-1", "signal": "temperature", "address": 0, "type": "float32"},
    {"machine": "press-1", "signal": "pressure", "address": 2, "type": "int16", "scale": 0.1},
    {"machine": "press-1", "role": "count", "table": "input", "address": 0, "type": "uint32"},
    {"machine": "press-1", "role": "state", "table": "coil", "address": 0, "type": "bool"},
]


def config(*devices: dict[str, Any]) -> ModbusConfig:
    return ModbusConfig.model_validate({"id": "plc", "devices": list(devices)})


def dev(
    name: str, port: int, points: list[dict[str, Any]] | None = None, **kw: Any
) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": name,
        "host": "127.0.0.1",
        "port": port,
        "poll_interval_s": 0.02,
        "timeout_s": 0.5,
        "points": points or POINTS,
    }
    return base | kw


@asynccontextmanager
async def running(connector: ModbusConnector, sink: Sink) -> AsyncIterator[asyncio.Task[None]]:
    task = asyncio.create_task(connector.run(sink))
    try:
        yield task
    finally:
        await connector.stop()
        async with asyncio.timeout(10):
            await task


def polls(connector: ModbusConnector, name: str) -> int:
    return int(connector.metrics.extra.get(f"polls.{name}", 0))


def failed(connector: ModbusConnector, name: str) -> int:
    return int(connector.metrics.extra.get(f"failed_reads.{name}", 0))


def slave() -> Any:
    return device(
        holding=encode(71.5, "float32") + encode(-125, "int16") + [0] * 7,
        inputs=encode(1000, "uint32") + [0] * 8,
        coils=[True] + [False] * 15,
    )


async def test_polled_values_arrive_in_the_store_typed_scaled_and_counted(
    plant: Plant, sink: IngestSink, store: SqliteStore
) -> None:
    async with modbus_server(slave()) as server:
        connector = ModbusConnector(config(dev("press", server_port(server))), plant)
        async with running(connector, sink):
            await until(lambda: polls(connector, "press") >= 3)
            await server.async_setValues(1, 4, 0, encode(1012, "uint32"))
            seen = polls(connector, "press")
            await until(lambda: polls(connector, "press") >= seen + 3)
    temps = store.samples("press-1", "temperature", *EVER)
    assert {s.value for s in temps} == {71.5}
    assert all(s.quality is Quality.GOOD for s in temps)
    pressures = {round(s.value, 6) for s in store.samples("press-1", "pressure", *EVER)}
    assert pressures == {-12.5}
    counts = store.counts("press-1", *EVER)
    assert sum(c.good for c in counts) == 12
    assert [s.state for s in store.states("press-1", *EVER)] == [StateClass.RUNNING]


async def test_contiguous_points_are_read_with_one_request_per_table(plant: Plant) -> None:
    connector = ModbusConnector(config(dev("press", 1502)), plant)
    reads = connector.diagnostics()["details"]["devices"]["press"]["reads"]
    assert [(r["table"], r["address"], r["count"]) for r in reads] == [
        ("coil", 0, 1),
        ("holding", 0, 3),
        ("input", 0, 2),
    ]


async def test_an_illegal_address_marks_only_its_points_bad_with_the_reason(
    plant: Plant, sink: IngestSink, store: SqliteStore
) -> None:
    points = [*POINTS, {"machine": "press-1", "signal": "speed", "address": 500}]
    async with modbus_server(slave()) as server:
        connector = ModbusConnector(config(dev("press", server_port(server), points)), plant)
        async with running(connector, sink):
            await until(lambda: failed(connector, "press") >= 2)
        diag = connector.diagnostics()["details"]["devices"]["press"]
    speed = store.samples("press-1", "speed", *EVER)
    assert [s.quality for s in speed] == [Quality.BAD]
    assert list(diag["bad_points"].values()) == ["modbus exception 2 (illegal data address)"]
    assert all(s.quality is Quality.GOOD for s in store.samples("press-1", "temperature", *EVER))


async def test_a_slave_that_never_answers_is_marked_bad_with_a_timeout(
    plant: Plant, sink: IngestSink, store: SqliteStore
) -> None:
    async with silent_server() as port:
        connector = ModbusConnector(config(dev("mute", port, timeout_s=0.2)), plant)
        async with running(connector, sink):
            await until(lambda: failed(connector, "mute") >= 1)
        reasons = set(connector.diagnostics()["details"]["devices"]["mute"]["bad_points"].values())
    assert [s.quality for s in store.samples("press-1", "temperature", *EVER)] == [Quality.BAD]
    assert [s.state for s in store.states("press-1", *EVER)] == [StateClass.UNKNOWN]
    assert len(reasons) == 1
    assert reasons.pop().startswith("no answer within 0.2 s")


@pytest.mark.parametrize("dead", ["silent", "closed"])
async def test_a_dead_slave_does_not_slow_the_polls_of_a_healthy_one(
    plant: Plant, sink: IngestSink, dead: str
) -> None:
    async with modbus_server(slave()) as server, silent_server() as silent_port:
        dead_port = silent_port if dead == "silent" else free_port()
        dead_points = [{"machine": "press-2", "signal": "temperature", "address": 0}]
        connector = ModbusConnector(
            config(
                dev("good", server_port(server)),
                dev("dead", dead_port, dead_points, timeout_s=0.3),
            ),
            plant,
        )
        async with running(connector, sink):
            # Each dead attempt costs the dead task a timeout (or a backoff), never the other.
            await until(lambda: polls(connector, "dead") >= 3)
            good = polls(connector, "good")
    assert good >= 5 * polls(connector, "dead")


async def test_a_slave_that_goes_silent_and_returns_resumes_good_data(
    plant: Plant, sink: IngestSink, store: SqliteStore
) -> None:
    answering = asyncio.Event()
    answering.set()

    async def hang_while_muted(*_: Any) -> None:
        await answering.wait()

    dev_with_action = slave()
    dev_with_action.action = hang_while_muted
    async with modbus_server(dev_with_action) as server:
        connector = ModbusConnector(config(dev("press", server_port(server), timeout_s=0.2)), plant)
        connector.pollers[0].backoff.initial = 0.05
        async with running(connector, sink):
            await until(lambda: polls(connector, "press") >= 3)
            answering.clear()
            await until(lambda: failed(connector, "press") >= 2)
            answering.set()
            await until(lambda: connector.metrics.reconnects >= 1)
            seen = polls(connector, "press")
            await until(lambda: polls(connector, "press") >= seen + 3)
    qualities = [s.quality for s in store.samples("press-1", "temperature", *EVER)]
    first_bad = qualities.index(Quality.BAD)
    assert Quality.GOOD in qualities[:first_bad]
    assert Quality.GOOD in qualities[first_bad + 1 :]
    states = [s.state for s in store.states("press-1", *EVER)]
    assert states == [StateClass.RUNNING, StateClass.UNKNOWN, StateClass.RUNNING]


async def test_probe_reads_each_device_once_and_reports_the_dead_one(plant: Plant) -> None:
    async with modbus_server(slave()) as server:
        connector = ModbusConnector(
            config(dev("good", server_port(server)), dev("gone", free_port())), plant
        )
        result = await connector.probe()
    assert not result.ok
    assert result.facts["good"].startswith("read coil 0..0 of unit 1")
    assert result.facts["gone"].startswith("cannot connect")


async def test_stop_ends_every_device_task(plant: Plant, sink: IngestSink) -> None:
    async with silent_server() as port:
        connector = ModbusConnector(config(dev("mute", port, timeout_s=5)), plant)
        task = asyncio.create_task(connector.run(sink))
        await until(lambda: polls(connector, "mute") >= 1)
        await connector.stop()
        async with asyncio.timeout(15):
            await task
    assert task.done()
    assert connector.state is ConnectionState.DISCONNECTED


async def test_a_read_stuck_in_the_client_fails_the_poll_and_polling_goes_on(
    plant: Plant, sink: IngestSink, store: SqliteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def stuck(*_: Any, **__: Any) -> None:
        await asyncio.Event().wait()

    # A transport that never returns, past pymodbus's own timeout: only the guard ends it.
    monkeypatch.setattr(AsyncModbusTcpClient, "read_holding_registers", stuck)
    async with modbus_server(slave()) as server:
        cfg = config(dev("press", server_port(server), timeout_s=0.05))
        connector = ModbusConnector(cfg, plant)
        connector.pollers[0].backoff.initial = 0.05
        async with running(connector, sink):
            await until(lambda: failed(connector, "press") >= 2)
        reasons = set(connector.diagnostics()["details"]["devices"]["press"]["bad_points"].values())
    assert reasons == {"no answer within 0.05 s (TimeoutError)"}
    assert [s.quality for s in store.samples("press-1", "temperature", *EVER)] == [Quality.BAD]
    assert [s.state for s in store.states("press-1", *EVER)] == [StateClass.RUNNING]


class FailsOnce:
    """The real sink, but the first commit fails as a full disk would."""

    def __init__(self, sink: IngestSink) -> None:
        self.sink = sink
        self.calls = 0

    def submit(self, records: Sequence[Record], rejections: Sequence[InputRejection] = ()) -> None:
        self.calls += 1
        if self.calls == 1:
            raise OSError("disk full")
        self.sink.submit(records, rejections)


async def test_a_poll_whose_commit_failed_is_stored_with_a_later_one(
    plant: Plant, sink: IngestSink, store: SqliteStore
) -> None:
    flaky = FailsOnce(sink)
    async with modbus_server(slave()) as server:
        connector = ModbusConnector(config(dev("press", server_port(server))), plant)
        async with running(connector, flaky):
            await until(lambda: flaky.calls >= 4)
    # Every poll, the first included, is in the store once the connector has stopped.
    temps = store.samples("press-1", "temperature", *EVER)
    assert len(temps) == polls(connector, "press")
    # The first poll gives a temperature, a pressure and the state; each later one two samples.
    assert connector.metrics.accepted == 3 + 2 * (polls(connector, "press") - 1)
    assert connector.metrics.last_error == "commit failed: disk full"


class HeldOnce:
    """The real sink, but the first commit waits until the test lets it go, as a busy disk."""

    def __init__(self, sink: IngestSink) -> None:
        self.sink = sink
        self.sizes: list[int] = []
        self.release = threading.Event()

    def submit(self, records: Sequence[Record], rejections: Sequence[InputRejection] = ()) -> None:
        self.sizes.append(len(records))
        if len(self.sizes) == 1:
            self.release.wait(10)
        self.sink.submit(records, rejections)


async def test_polls_made_while_the_store_is_busy_go_together_in_its_next_commit(
    plant: Plant, sink: IngestSink, store: SqliteStore
) -> None:
    held = HeldOnce(sink)
    async with modbus_server(slave()) as server:
        connector = ModbusConnector(config(dev("press", server_port(server))), plant)
        async with running(connector, held):
            # Polling keeps its schedule while the first commit is held.
            await until(lambda: polls(connector, "press") >= 5)
            held.release.set()
            await until(lambda: len(held.sizes) >= 3)
    assert held.sizes[1] >= 2 * 3  # the polls made meanwhile: two samples each, at least three
    temps = store.samples("press-1", "temperature", *EVER)
    assert len(temps) == polls(connector, "press")
