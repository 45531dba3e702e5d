"""The Modbus TCP connector: one polling task per device, staggered, with a clean stop."""

from __future__ import annotations

import asyncio
from typing import Any

from pymodbus.client import AsyncModbusTcpClient
from pymodbus.exceptions import ModbusException

from pabrik.connectors.backoff import Backoff
from pabrik.connectors.contract import (
    ConnectionState,
    ConnectorMetrics,
    ProbeResult,
    Sink,
    error_text,
    weakest,
)
from pabrik.connectors.modbus.config import ModbusConfig, ModbusDevice
from pabrik.connectors.modbus.diagnostics import device_details, diagnostics
from pabrik.connectors.modbus.mapping import exception_reason, plan_device
from pabrik.connectors.modbus.poller import DevicePoller
from pabrik.model.site import Plant
from pabrik.model.states import StateClass


def machine_state_maps(plant: Plant) -> dict[str, dict[str, StateClass]]:
    """Each machine's own raw-value -> state map, used when a point declares none."""
    return {m.id: dict(m.state_map) for m in plant.machines()}


def start_offsets(config: ModbusConfig) -> list[float]:
    """When each device's first poll starts, spread over its own interval."""
    n = len(config.devices)
    if not config.stagger or n == 1:
        return [0.0] * n
    # Staggering keeps all devices from hitting a shared gateway in the same instant.
    return [d.poll_interval_s * i / n for i, d in enumerate(config.devices)]


def _link(device: ModbusDevice) -> tuple[object, ...]:
    return (device.host, device.port, device.unit_id, device.timeout_s)


class ModbusConnector:
    """Polls every configured device concurrently and delivers records to a sink."""

    def __init__(self, config: ModbusConfig, plant: Plant) -> None:
        self.config = config
        self._metrics = ConnectorMetrics()
        self._states = machine_state_maps(plant)
        self.pollers = [self._poller(config, device) for device in config.devices]
        self._stopping = asyncio.Event()
        # Each device task has its own stop, so a device removed live ends alone.
        self._stops: dict[DevicePoller, asyncio.Event] = {}
        self._group: asyncio.TaskGroup | None = None
        self._sink: Sink | None = None

    def _poller(self, config: ModbusConfig, device: ModbusDevice) -> DevicePoller:
        backoff = Backoff(config.reconnect_initial_s, config.reconnect_max_s)
        return DevicePoller(config.id, device, self._states, self._metrics, backoff)

    @property
    def id(self) -> str:
        """The connector id, the ``source`` of its records."""
        return self.config.id

    @property
    def metrics(self) -> ConnectorMetrics:
        """Counters shared by all device tasks."""
        return self._metrics

    @property
    def state(self) -> ConnectionState:
        """Connected when every device answers; otherwise the state of the worst one."""
        return weakest(p.link.state for p in self.pollers)

    async def run(self, sink: Sink) -> None:
        """Poll all devices until ``stop``; a failing device never stops the others."""
        self._stopping.clear()
        self._sink = sink
        try:
            async with asyncio.TaskGroup() as group:
                self._group = group
                for poller, offset in zip(self.pollers, start_offsets(self.config), strict=True):
                    self._launch(poller, offset)
        finally:
            self._group = None

    def _launch(self, poller: DevicePoller, offset: float) -> None:
        assert self._group is not None
        assert self._sink is not None
        stop = self._stops[poller] = asyncio.Event()
        task = poller.run(self._sink, offset, stop)
        self._group.create_task(task, name=f"modbus-{poller.device.id}")

    async def reconfigure(self, config: ModbusConfig, plant: Plant) -> bool:
        """Take new register maps between polls, start added devices, stop removed ones.

        A device keeps its task, connection, schedule and counter bases when its link (host,
        port, unit, timeout) is unchanged; one whose link changed is polled anew.
        """
        if self._stopping.is_set():
            return False
        self._states = machine_state_maps(plant)
        retry = (config.reconnect_initial_s, config.reconnect_max_s)
        new_retry = retry != (self.config.reconnect_initial_s, self.config.reconnect_max_s)
        old = {p.device.id: p for p in self.pollers}
        pollers: list[DevicePoller] = []
        for device in config.devices:
            poller = old.get(device.id)
            if poller is not None and _link(poller.device) == _link(device):
                del old[device.id]
                poller.remap(device, self._states)
                if new_retry:
                    poller.backoff = Backoff(*retry)
            else:
                poller = self._poller(config, device)
                if self._group is not None:
                    self._launch(poller, 0.0)
            pollers.append(poller)
        for gone in old.values():
            # It finishes the poll in hand, then disconnects.
            self._stops.pop(gone, asyncio.Event()).set()
        self.pollers, self.config = pollers, config
        return True

    async def stop(self) -> None:
        """Ask every device task to finish its current poll and disconnect."""
        self._stopping.set()
        for stop in self._stops.values():
            stop.set()

    async def probe(self) -> ProbeResult:
        """Connect to every device and read its first planned request once."""
        results = await asyncio.gather(*(probe_device(d) for d in self.config.devices))
        facts = {d.id: text for d, (_, text) in zip(self.config.devices, results, strict=True)}
        ok = all(good for good, _ in results)
        failed = [d for d, (good, _) in zip(self.config.devices, results, strict=True) if not good]
        detail = "all devices answered" if ok else f"{len(failed)} device(s) failed"
        if len(results) == 1:
            detail = results[0][1]  # one device: what it answered says more
        return ProbeResult(ok, detail, facts)

    def diagnostics(self) -> dict[str, Any]:
        """State, counters, configuration, read plans and device status, secrets redacted."""
        details = device_details(self.pollers)
        return diagnostics(self.config, self._metrics, self.state, details)


async def probe_device(device: ModbusDevice) -> tuple[bool, str]:
    """Whether one device answers its first planned read, and what happened."""
    client = AsyncModbusTcpClient(
        device.host, port=device.port, timeout=device.timeout_s, retries=0, reconnect_delay=0
    )
    request = plan_device(device)[0]
    try:
        async with asyncio.timeout(device.timeout_s * 2 + 1):
            if not await client.connect():
                return False, f"cannot connect to {device.host}:{device.port}"
            method = {
                "holding": client.read_holding_registers,
                "input": client.read_input_registers,
                "coil": client.read_coils,
                "discrete": client.read_discrete_inputs,
            }[request.table]
            response = await method(request.address, count=request.count, device_id=device.unit_id)
    except (TimeoutError, OSError, ModbusException) as err:
        return False, f"no answer within {device.timeout_s:g} s ({error_text(err)})"
    finally:
        client.close()
    if response.isError():
        return False, exception_reason(int(getattr(response, "exception_code", 0)))
    where = f"{request.table} {request.address}..{request.address + request.count - 1}"
    return True, f"read {where} of unit {device.unit_id}"
