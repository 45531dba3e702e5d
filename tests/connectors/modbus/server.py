"""Real peers for Modbus tests: a pymodbus TCP server on a free port, a hung slave, the plant.

The fixtures over these live in this folder's conftest.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from pymodbus.server import ModbusTcpServer
from pymodbus.simulator import SimData, SimDevice
from pymodbus.simulator.simutils import DataType

from tests.connectors.peers import free_port

PLANT = {
    "site": {"id": "uji", "name": "Pabrik uji"},
    "calendar": {
        "shifts": [{"id": "s1", "name": {"id": "Shift 1"}, "start": "00:00", "end": "23:59"}]
    },
    "areas": [
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
                            "signals": [
                                {"id": s, "name": {"id": s}}
                                for s in ("temperature", "pressure", "speed", "flow")
                            ],
                            "state_map": {"1": "running", "0": "idle"},
                        }
                        for m in ("press-1", "press-2")
                    ],
                }
            ],
        }
    ],
}


Action = Callable[[int, int, int, int, list[int], Any], Awaitable[Any]]


def device(
    *,
    holding: list[int] | None = None,
    inputs: list[int] | None = None,
    coils: list[bool] | None = None,
    discrete: list[bool] | None = None,
    unit: int = 1,
    action: Action | None = None,
) -> SimDevice:
    """A slave whose four tables start at address 0 with the given values."""

    def regs(values: list[int] | None) -> list[SimData]:
        return [SimData(0, values=values or [0] * 10, datatype=DataType.REGISTERS)]

    def bits(values: list[bool] | None) -> list[SimData]:
        return [SimData(0, values=values or [False] * 16, datatype=DataType.BITS)]

    return SimDevice(
        id=unit,
        simdata=(bits(coils), bits(discrete), regs(holding), regs(inputs)),
        action=action,
    )


@asynccontextmanager
async def modbus_server(dev: SimDevice, port: int | None = None) -> AsyncIterator[ModbusTcpServer]:
    """A running pymodbus TCP server on 127.0.0.1."""
    server = ModbusTcpServer(dev, address=("127.0.0.1", port or free_port()))
    await server.serve_forever(background=True)
    try:
        yield server
    finally:
        await server.shutdown()


def server_port(server: ModbusTcpServer) -> int:
    return int(server.comm_params.source_address[1])


@asynccontextmanager
async def silent_server() -> AsyncIterator[int]:
    """A TCP peer that accepts connections and never answers: a hung slave."""
    writers: list[asyncio.StreamWriter] = []

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)
        await reader.read(-1)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    try:
        yield int(server.sockets[0].getsockname()[1])
    finally:
        server.close()
        for w in writers:
            w.close()


async def until(condition: Callable[[], bool], *, limit_s: float = 20.0) -> None:
    """Wait for a condition; the limit only guards against a hang, it measures nothing."""
    async with asyncio.timeout(limit_s):
        while not condition():  # noqa: ASYNC110 - conditions are plain reads, not events
            await asyncio.sleep(0.01)
