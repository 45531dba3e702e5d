"""OPC UA value changes/s and Modbus registers read/s, each against a bare-library baseline.

OPC UA: an asyncua server started by the benchmark (in a child process) holds 1k, 5k
or 10k Double variables and rewrites all of them once a second; the pabrik connector
subscribes to every one (one subscription, monitored items created in batches) and
commits each change to SQLite through the runtime's ingest sink. The figure is value
changes delivered per second, and whether the commit lag grows over the run.

Modbus: a pymodbus server in this process holds 4,000 holding registers; the pabrik
connector's device poller polls them as uint16 points (merged into 32 reads of 125), poll
after poll with no pause, with a discarding sink and with the SQLite sink. The fair
baseline is a plain pymodbus loop issuing the same 32 reads and decoding each answer's
registers into the same types with ``struct``; the same loop without decoding is the upper
bound. All run in the same process, in short interleaved slices (so a passing load weighs on
every path alike); a run's ratio is pabrik's rate over the baseline's in that run, and the
median of MODBUS_RUNS runs is the figure.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import socket
import sqlite3
import statistics
import struct
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from asyncua import Server, ua
from pymodbus.client import AsyncModbusTcpClient
from pymodbus.server import ModbusTcpServer
from pymodbus.simulator import SimData, SimDevice
from pymodbus.simulator.simutils import DataType

from bench import report
from pabrik.connectors.modbus.config import ModbusConfig
from pabrik.connectors.modbus.connector import ModbusConnector
from pabrik.connectors.modbus.poller import DevicePoller
from pabrik.connectors.opcua.config import OpcuaConfig
from pabrik.connectors.opcua.connector import OpcuaConnector
from pabrik.model.site import Plant
from pabrik.runtime.ingest.connectors import IngestSink
from pabrik.runtime.ingest.pipeline import Ingestor
from pabrik.storage.sqlite.store import SqliteStore

OPCUA_SIZES = (1_000, 5_000, 10_000)
OPCUA_WARMUP_S = 4.0
OPCUA_MEASURE_S = 12.0
MODBUS_REGISTERS = 4_000
MODBUS_SLICE_S = 1.0
MODBUS_SLICES = 5
MODBUS_RUNS = 3
SIGNALS_PER_MACHINE = 100
Slice = tuple[int, float]
"""Registers and seconds of one measured slice."""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _plant(signals: int) -> Plant:
    machines = [
        {
            "id": f"m{m}",
            "name": {"id": f"m{m}"},
            "products": [{"id": "p", "name": {"id": "p"}, "ideal_cycle_time_s": 1}],
            "signals": [
                {"id": f"s{i}", "name": {"id": f"s{i}"}} for i in range(SIGNALS_PER_MACHINE)
            ],
        }
        for m in range(max(1, signals // SIGNALS_PER_MACHINE))
    ]
    return Plant.model_validate(
        {
            "site": {"id": "bench", "name": "bench"},
            "calendar": {
                "shifts": [{"id": "s", "name": {"id": "s"}, "start": "00:00", "end": "23:59"}]
            },
            "areas": [
                {
                    "id": "a",
                    "name": {"id": "a"},
                    "lines": [{"id": "l", "name": {"id": "l"}, "machines": machines}],
                }
            ],
        }
    )


def _target(i: int) -> tuple[str, str]:
    return f"m{i // SIGNALS_PER_MACHINE}", f"s{i % SIGNALS_PER_MACHINE}"


class _Discard:
    """A sink that drops records: the protocol path alone."""

    def submit(self, records: Sequence[Any], rejections: Sequence[Any] = ()) -> None:
        """Drop the batch."""


def _sqlite_sink(folder: Path, plant: Plant, name: str) -> tuple[IngestSink, SqliteStore]:
    store = SqliteStore(folder / f"{name}.sqlite", synchronous="NORMAL")
    store.upgrade()
    return IngestSink(Ingestor(store, plant)), store


# ---------------------------------------------------------------- OPC UA


async def _opcua_server(port: int, n: int) -> tuple[Server, list[ua.NodeId]]:
    server = Server()
    await server.init()
    server.set_endpoint(f"opc.tcp://127.0.0.1:{port}/bench/")
    server.set_security_policy([ua.SecurityPolicyType.NoSecurity])
    idx = await server.register_namespace("urn:pabrik:bench")
    # One object per machine: asyncua slows down sharply with thousands of children per node.
    ids = []
    for m in range(0, n, SIGNALS_PER_MACHINE):
        folder = await server.nodes.objects.add_object(ua.NodeId(f"m{m}", idx), f"m{m}")
        for i in range(m, min(n, m + SIGNALS_PER_MACHINE)):
            var = await folder.add_variable(ua.NodeId(f"v{i}", idx), f"v{i}", 0.0)
            ids.append(var.nodeid)
    await server.start()
    return server, ids


async def _change_every_second(server: Server, ids: list[ua.NodeId], stop: asyncio.Event) -> None:
    tick = 0
    loop = asyncio.get_running_loop()
    due = loop.time()
    while not stop.is_set():
        tick += 1
        now = datetime.now(UTC)
        for nid in ids:
            value = ua.DataValue(
                ua.Variant(float(tick), ua.VariantType.Double), SourceTimestamp=now
            )
            await server.write_attribute_value(nid, value)
        due += 1.0
        await asyncio.sleep(max(0.0, due - loop.time()))


def _serve_in_child(port: int, n: int, ready: Any, stop: Any) -> None:
    """Entry point of the server process."""
    logging.getLogger("asyncua").setLevel(logging.ERROR)
    asyncio.run(_child(port, n, ready, stop))


async def _child(port: int, n: int, ready: Any, stop: Any) -> None:
    server, ids = await _opcua_server(port, n)
    ready.set()
    done = asyncio.Event()
    writer = asyncio.create_task(_change_every_second(server, ids, done))
    while not stop.is_set():  # noqa: ASYNC110 - a multiprocessing event cannot be awaited
        await asyncio.sleep(0.2)
    done.set()
    await writer
    await server.stop()


async def _opcua_run(n: int, folder: Path, *, store_it: bool = True) -> dict[str, float]:
    port = _free_port()
    # The server (and its 1 Hz writer) gets its own process, as a PLC would be its own box;
    # sharing one event loop with it starves the client's watchdog at 10k items.
    mp = multiprocessing.get_context("spawn")
    ready, stop = mp.Event(), mp.Event()
    child = mp.Process(target=_serve_in_child, args=(port, n, ready, stop), daemon=True)
    child.start()
    await asyncio.to_thread(ready.wait, 600)
    plant = _plant(n)
    sink, store = _sqlite_sink(folder, plant, f"opcua{n}-{store_it}")
    signals = [
        {"node": f"ns=2;s=v{i}", "machine": _target(i)[0], "signal": _target(i)[1]}
        for i in range(n)
    ]
    config = OpcuaConfig.model_validate(
        {
            "id": "ua",
            "endpoint": f"opc.tcp://127.0.0.1:{port}/bench/",
            "publishing_interval_ms": 250,
            "sampling_interval_ms": 0,
            "queue_size": 2,
            "timeout_s": 30,
            "watchdog_interval_s": 5,
            "signals": signals,
        }
    )
    connector = OpcuaConnector(config, plant)
    task = asyncio.create_task(connector.run(sink if store_it else _Discard()))
    await asyncio.sleep(OPCUA_WARMUP_S)
    start_count, began = connector.metrics.received, time.perf_counter()
    lags = []
    while time.perf_counter() - began < OPCUA_MEASURE_S:
        await asyncio.sleep(0.5)
        lags.append(connector.metrics.lag_s)
    rate = (connector.metrics.received - start_count) / (time.perf_counter() - began)
    await connector.stop()
    await task
    stop.set()
    await asyncio.to_thread(child.join, 60)
    store.close()
    half = len(lags) // 2
    return {
        "rate": rate,
        "lag_first": statistics.mean(lags[:half]),
        "lag_second": statistics.mean(lags[half:]),
        "subscriptions": len(connector.session.subscriptions),
        "create_calls": connector.session.create_calls,
        "reconnects": connector.metrics.reconnects,
    }


def _opcua_report(label: str, n: int, r: dict[str, float]) -> None:
    grows = r["lag_second"] > r["lag_first"] + 0.5
    print(
        f"  {label}: {r['rate']:>7,.0f} changes/s "
        f"({r['rate'] / n:.0%} of offered), lag {r['lag_first']:.2f} s -> "
        f"{r['lag_second']:.2f} s ({'GROWING' if grows else 'steady'}); "
        f"{r['subscriptions']:.0f} subscription, {r['create_calls']:.0f} create calls, "
        f"{r['reconnects']:.0f} reconnects"
    )


# ---------------------------------------------------------------- Modbus


async def _modbus_server(port: int) -> ModbusTcpServer:
    regs = [SimData(0, values=list(range(MODBUS_REGISTERS)), datatype=DataType.REGISTERS)]
    bits = [SimData(0, values=[False] * 16, datatype=DataType.BITS)]
    server = ModbusTcpServer(
        SimDevice(id=1, simdata=(bits, bits, regs, regs)), address=("127.0.0.1", port)
    )
    await server.serve_forever(background=True)
    return server


async def _plain_client(port: int) -> AsyncModbusTcpClient:
    client = AsyncModbusTcpClient("127.0.0.1", port=port, timeout=5, retries=0, reconnect_delay=0)
    await client.connect()
    return client


async def _plain_loop(client: AsyncModbusTcpClient, seconds: float, *, decode: bool) -> Slice:
    """Registers read (and decoded) in ``seconds`` of whole polls, and the time taken."""
    read, began = 0, time.perf_counter()
    layout = struct.Struct(">125H")
    while time.perf_counter() - began < seconds:
        for address in range(0, MODBUS_REGISTERS, 125):
            response = await client.read_holding_registers(address, count=125, device_id=1)
            if decode:
                # The same registers into the same types (uint16) with struct, one call each way.
                read += len(layout.unpack(layout.pack(*response.registers)))
            else:
                read += len(response.registers)
    return read, time.perf_counter() - began


def _pabrik_poller(port: int) -> DevicePoller:
    """The connector's device poller for the 4,000 registers, as uint16 samples."""
    points = [
        {"machine": m, "signal": s, "address": i}
        for i, (m, s) in enumerate(map(_target, range(MODBUS_REGISTERS)))
    ]
    device = {"id": "d", "host": "127.0.0.1", "port": port, "poll_interval_s": 0.01}
    device |= {"timeout_s": 5, "max_gap": 0, "points": points}
    config = ModbusConfig.model_validate({"id": "mb", "devices": [device]})
    return ModbusConnector(config, _plant(MODBUS_REGISTERS)).pollers[0]


async def _pabrik_polls(poller: DevicePoller, sink: Any, seconds: float) -> Slice:
    """Registers polled in ``seconds`` of the poller's own polls, back to back."""
    # The device poller's own poll (read every planned request, decode, submit), back to
    # back: the schedule's 10 ms floor between polls would cap the figure, not the work.
    start, began = poller.metrics.received, time.perf_counter()
    while time.perf_counter() - began < seconds:
        await poller.poll_once(sink)
    # Commits overlap the next polls: the last ones are waited for inside the time.
    await poller.settle(sink)
    return poller.metrics.received - start, time.perf_counter() - began


def _raw_sqlite(path: Path, per_commit: int, polls: int = 40) -> float:
    """Rows/s of raw executemany of 4,000-row polls, ``per_commit`` polls a transaction."""
    SqliteStore(path, synchronous="NORMAL").upgrade()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    sql = (
        "INSERT INTO samples (machine_id, signal_id, ts_ms, source, value, quality)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
    )
    began = time.perf_counter()
    for poll in range(polls):
        ts = 1_700_000_000_000 + poll * 10
        rows = [(*_target(i), ts, "mb", float(i), "good") for i in range(MODBUS_REGISTERS)]
        if poll % per_commit == 0:
            conn.execute("BEGIN")
        conn.executemany(sql, rows)
        if poll % per_commit == per_commit - 1 or poll == polls - 1:
            conn.execute("COMMIT")
    took = time.perf_counter() - began
    conn.close()
    return polls * MODBUS_REGISTERS / took


async def _modbus(folder: Path) -> None:
    port = _free_port()
    server = await _modbus_server(port)
    plant = _plant(MODBUS_REGISTERS)
    paths = ("bound", "plain", "discard", "stored")
    runs: list[dict[str, Slice]] = []
    raw: dict[int, list[float]] = {1: [], 10: []}
    client = await _plain_client(port)
    for run in range(MODBUS_RUNS):
        sink, store = _sqlite_sink(folder, plant, f"modbus{run}")
        discard, stored = _pabrik_poller(port), _pabrik_poller(port)
        await discard.poll_once(_Discard())  # a first poll connects each poller
        await stored.poll_once(sink)
        await stored.settle(sink)
        totals = dict.fromkeys(paths, (0, 0.0))
        # Short slices of each path in turn: a load that comes and goes weighs on all alike.
        for _ in range(MODBUS_SLICES):
            for path in paths:
                if path in ("bound", "plain"):
                    got = await _plain_loop(client, MODBUS_SLICE_S, decode=path == "plain")
                elif path == "discard":
                    got = await _pabrik_polls(discard, _Discard(), MODBUS_SLICE_S)
                else:
                    got = await _pabrik_polls(stored, sink, MODBUS_SLICE_S)
                totals[path] = (totals[path][0] + got[0], totals[path][1] + got[1])
        for poller in (discard, stored):
            poller.close()
        store.close()
        runs.append(totals)
        for per_commit, rates in raw.items():
            rates.append(_raw_sqlite(folder / f"raw{run}-{per_commit}.sqlite", per_commit))
    client.close()
    await server.shutdown()

    def rate(totals: dict[str, Slice], path: str) -> float:
        return totals[path][0] / totals[path][1]

    bound, plain, discard_rate, stored_rate = (
        statistics.median(rate(t, p) for t in runs) for p in paths
    )
    decode_ratios = sorted(rate(t, "discard") / rate(t, "plain") for t in runs)
    store_ratios = sorted(rate(t, "stored") / rate(t, "plain") for t in runs)
    reads = MODBUS_REGISTERS // 125
    print(
        f"modbus TCP, {MODBUS_REGISTERS:,} uint16 registers in {reads} reads of 125, 1 connection,"
        f" median of {MODBUS_RUNS} runs ({MODBUS_SLICES} interleaved slices of"
        f" {MODBUS_SLICE_S:g} s per path each):"
    )
    print(f"  upper bound, pymodbus loop without decoding: {bound:>9,.0f} registers/s")
    print(f"  baseline plain pymodbus loop + struct decode: {plain:>9,.0f} registers/s")
    print(f"  pabrik connector, discard:                    {discard_rate:>9,.0f} registers/s")
    print(f"  pabrik connector, to SQLite:                  {stored_rate:>9,.0f} registers/s")
    one, ten = (statistics.median(raw[n]) for n in (1, 10))
    print(f"  (raw executemany, same rows, no ingest: {one:,.0f} rows/s a poll per commit,")
    print(f"   {ten:,.0f} rows/s ten polls per commit)")
    print(
        f"  per-run ratios to the baseline: decode {decode_ratios[0]:.2f}-{decode_ratios[-1]:.2f},"
        f" to SQLite {store_ratios[0]:.2f}-{store_ratios[-1]:.2f}"
    )
    decode, to_sqlite = statistics.median(decode_ratios), statistics.median(store_ratios)
    report.ratio("Modbus decode (discard) / plain loop + struct", decode, 1.0, 0.80)
    report.ratio("Modbus to SQLite / plain loop + struct", to_sqlite, 1.0, 0.50)


async def _all(sizes: Sequence[int]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        await _modbus(folder)
        print("opc ua subscription, all items change at 1 Hz (server in a child process):")
        for n in sizes:
            _opcua_report(f"{n:>6,} items, to SQLite", n, await _opcua_run(n, folder))
        biggest = max(sizes)
        result = await _opcua_run(biggest, folder, store_it=False)
        _opcua_report(f"{biggest:>6,} items, discard", biggest, result)


def main(sizes: Sequence[int] = OPCUA_SIZES) -> None:
    """Print OPC UA and Modbus figures."""
    # Both libraries log per request at INFO/WARNING; that would be the benchmark.
    logging.getLogger("asyncua").setLevel(logging.ERROR)
    logging.getLogger("pymodbus").setLevel(logging.ERROR)
    asyncio.run(_all(sizes))


def main_modbus() -> None:
    """Print the Modbus figures only (``python -m bench.protocols modbus``)."""
    logging.getLogger("pymodbus").setLevel(logging.ERROR)

    async def modbus_only() -> None:
        with tempfile.TemporaryDirectory() as tmp:
            await _modbus(Path(tmp))

    asyncio.run(modbus_only())


if __name__ == "__main__":
    if sys.argv[1:] == ["modbus"]:
        main_modbus()
    else:
        main()
