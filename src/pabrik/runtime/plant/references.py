"""Cross-checks of a site file: every connector mapping names a machine and signal it has.

Pydantic checks each connector on its own; only the whole file knows the plant, so a Modbus
point or an OPC UA node mapped to a machine the plant does not have is caught here, at load
time, with its path in the file, rather than as dead letters once data flows.
"""

from __future__ import annotations

from collections.abc import Iterator

from pabrik.connectors.modbus.config import ModbusConfig
from pabrik.connectors.mqtt.config import MqttConfig
from pabrik.connectors.opcua.config import OpcuaConfig
from pabrik.connectors.simulator.config import SimulatorConfig
from pabrik.connectors.sparkplug.config import DeviceMap, MetricMap, SparkplugConfig
from pabrik.model.site import Plant

Loc = tuple[int | str, ...]
Problem = tuple[Loc, str]


def unknown_references(plant: Plant, connectors: list[object]) -> list[Problem]:
    """Each mapping to a machine, signal or line the plant does not have, by its path."""
    problems: list[Problem] = []
    for i, connector in enumerate(connectors):
        at: Loc = ("connectors", i)
        problems += list(_connector(plant, connector, at))
    return problems


def _connector(plant: Plant, connector: object, at: Loc) -> Iterator[Problem]:
    if isinstance(connector, ModbusConfig):
        for d, device in enumerate(connector.devices):
            for p, point in enumerate(device.points):
                loc = (*at, "devices", d, "points", p)
                yield from _target(plant, loc, point.machine, point.signal)
    elif isinstance(connector, OpcuaConfig):
        for s, node in enumerate(connector.signals):
            yield from _target(plant, (*at, "signals", s), node.machine, node.signal)
    elif isinstance(connector, SparkplugConfig):
        for d, mapped in enumerate(connector.devices):
            yield from _sparkplug(plant, mapped, (*at, "devices", d))
    elif isinstance(connector, MqttConfig):
        for r, rule in enumerate(connector.topic_map):
            signals = [rule.signal, *rule.signals] if rule.kind == "sample" else [None]
            for signal in signals:
                yield from _target(plant, (*at, "topic_map", r), rule.machine, signal)
    elif isinstance(connector, SimulatorConfig):
        yield from _simulator(plant, connector, at)


def _target(plant: Plant, loc: Loc, machine_id: str, signal_id: str | None) -> Iterator[Problem]:
    """A machine (and signal) reference; templates such as ``press-{n}`` are resolved later."""
    if "{" in machine_id:
        return
    machine = plant.machine(machine_id)
    if machine is None:
        yield (*loc, "machine"), f"unknown machine '{machine_id}'"
    elif signal_id is not None and "{" not in signal_id and signal_id not in machine.signal_ids:
        yield (*loc, "signal"), f"machine '{machine_id}' has no signal '{signal_id}'"


def _sparkplug(plant: Plant, device: DeviceMap, loc: Loc) -> Iterator[Problem]:
    machine = plant.machine(device.machine)
    if machine is None:
        yield (*loc, "machine"), f"unknown machine '{device.machine}'"
        return
    for name, meaning in device.metrics.items():
        signal = meaning.signal if isinstance(meaning, MetricMap) else meaning
        if signal is not None and signal not in machine.signal_ids:
            yield (*loc, "metrics", name), f"machine '{machine.id}' has no signal '{signal}'"


def _simulator(plant: Plant, config: SimulatorConfig, at: Loc) -> Iterator[Problem]:
    for machine_id in config.power_kw:
        if plant.machine(machine_id) is None:
            yield (*at, "power_kw", machine_id), f"unknown machine '{machine_id}'"
    lines = {line.id for line in plant.lines()}
    for line_id in config.rosters:
        if line_id not in lines:
            yield (*at, "rosters", line_id), f"unknown line '{line_id}'"
