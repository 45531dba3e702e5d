"""A real pymodbus slave and a real asyncua server on free ports, run in a background loop thread.

The Chromium journey drives the browser synchronously, so the peers live in their own thread.
"""

from __future__ import annotations

import asyncio
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from asyncua import Server, ua
from pymodbus.server import ModbusTcpServer

from tests.connectors.modbus.server import device
from tests.connectors.peers import free_port

# Holding registers of the filler: 0 = running (1), 1-2 = temperature as float32 low word first.
TEMPERATURE = 61.5
HI, LO = struct.unpack(">2H", struct.pack(">f", TEMPERATURE))
HOLDING = [1, LO, HI, 0, 0, 0, 0, 0, 0, 0]


@dataclass(frozen=True)
class Devices:
    """Where the peers listen."""

    modbus_port: int
    opcua_url: str


async def _serve(ready: threading.Event, stop: asyncio.Event, out: dict[str, object]) -> None:
    modbus = ModbusTcpServer(device(holding=HOLDING), address=("127.0.0.1", free_port()))
    await modbus.serve_forever(background=True)
    opcua = Server()
    await opcua.init()
    url = f"opc.tcp://127.0.0.1:{free_port()}/pabrik/"
    opcua.set_endpoint(url)
    opcua.set_security_policy([ua.SecurityPolicyType.NoSecurity])
    idx = await opcua.register_namespace("urn:pabrik:journey")
    labeller = await opcua.nodes.objects.add_object(ua.NodeId("Labeller", idx), "labeller-1")
    await labeller.add_variable(ua.NodeId("Labeller.Status", idx), "Status", 1)
    speed = await labeller.add_variable(ua.NodeId("Labeller.Speed", idx), "Speed", 120.0)
    await labeller.add_variable(ua.NodeId("Labeller.Model", idx), "Model", "LB-200")
    await opcua.start()
    out["devices"] = Devices(int(modbus.comm_params.source_address[1]), url)  # type: ignore[index]
    ready.set()
    tick = 0
    try:
        while not stop.is_set():
            tick += 1
            await speed.write_value(120.0 + tick % 7)
            await asyncio.sleep(0.5)
    finally:
        await opcua.stop()
        await modbus.shutdown()  # type: ignore[no-untyped-call]


@contextmanager
def running_devices() -> Iterator[Devices]:
    """Start both peers in a thread of their own; stop them afterwards."""
    ready = threading.Event()
    out: dict[str, object] = {}
    holder: dict[str, tuple[asyncio.AbstractEventLoop, asyncio.Event]] = {}

    async def main() -> None:
        stop = asyncio.Event()
        holder["loop"] = (asyncio.get_running_loop(), stop)
        await _serve(ready, stop, out)

    thread = threading.Thread(target=asyncio.run, args=(main(),), daemon=True)
    thread.start()
    assert ready.wait(30), "the test devices did not start"
    try:
        found = out["devices"]
        assert isinstance(found, Devices)
        yield found
    finally:
        loop, stop = holder["loop"]
        loop.call_soon_threadsafe(stop.set)
        thread.join(timeout=20)
