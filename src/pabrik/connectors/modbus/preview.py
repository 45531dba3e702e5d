"""Read a register map once and show each point's raw registers beside its decoded value."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from pymodbus.client import AsyncModbusTcpClient
from pymodbus.exceptions import ModbusException

from pabrik.connectors.contract import error_text
from pabrik.connectors.modbus.config import ModbusDevice
from pabrik.connectors.modbus.mapping import (
    ReadRequest,
    exception_reason,
    plan_device,
    point_value,
    slice_point,
)


@dataclass(frozen=True, slots=True)
class PointReading:
    """One point as read now: raw registers (or bits), decoded value, or what went wrong."""

    index: int
    raw: tuple[int, ...]
    value: str
    error: str | None


async def _read(client: AsyncModbusTcpClient, device: ModbusDevice, req: ReadRequest) -> list[int]:
    method = {
        "holding": client.read_holding_registers,
        "input": client.read_input_registers,
        "coil": client.read_coils,
        "discrete": client.read_discrete_inputs,
    }[req.table]
    async with asyncio.timeout(device.timeout_s * 2 + 1):
        response = await method(req.address, count=req.count, device_id=device.unit_id)
    if response.isError():
        raise ValueError(exception_reason(int(getattr(response, "exception_code", 0))))
    if req.table in ("coil", "discrete"):
        return [1 if b else 0 for b in response.bits[: req.count]]
    return list(response.registers)


def _shown(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


async def read_points(device: ModbusDevice) -> tuple[str | None, list[PointReading]]:
    """Every point of a device read once; the first value is a connection problem, if any."""
    client = AsyncModbusTcpClient(
        device.host, port=device.port, timeout=device.timeout_s, retries=0, reconnect_delay=0
    )
    readings: list[PointReading] = []
    try:
        try:
            async with asyncio.timeout(device.timeout_s + 1):
                connected = await client.connect()
        except (TimeoutError, OSError, ModbusException):
            connected = False
        if not connected:
            return f"cannot connect to {device.host}:{device.port}", []
        for req in plan_device(device):
            try:
                words = await _read(client, device, req)
            except (TimeoutError, OSError, ModbusException, ValueError) as err:
                reason = str(err) if isinstance(err, ValueError) else error_text(err)
                readings += [PointReading(i, (), "", reason) for i in req.points]
                continue
            for i in req.points:
                point = device.points[i]
                try:
                    raw = slice_point(req, point, words)
                    value = _shown(point_value(point, raw))
                except (ValueError, OverflowError) as err:
                    readings.append(PointReading(i, (), "", str(err)))
                    continue
                readings.append(PointReading(i, tuple(raw), value, None))
    finally:
        client.close()
    return None, sorted(readings, key=lambda r: r.index)
