"""Which machines a definition watches, and whether its references exist in the plant."""

from __future__ import annotations

from pabrik.alarms.definitions import AlarmDefinition, AlarmSettings
from pabrik.model.site import Machine, Plant

Problem = tuple[tuple[int | str, ...], str]


def alarm_key(definition_id: str, machine_id: str) -> str:
    """The key of one alarm: a definition on one machine."""
    return f"{definition_id}/{machine_id}"


def machines_of(definition: AlarmDefinition, plant: Plant) -> list[Machine]:
    """The machines a definition applies to, in configuration order."""
    scope = definition.scope
    out = []
    for line in plant.lines():
        if scope.line is not None and line.id != scope.line:
            continue
        for machine in line.machines:
            if scope.machine is not None and machine.id != scope.machine:
                continue
            if scope.signal is not None and scope.signal not in machine.signal_ids:
                continue
            if scope.product is not None and scope.product not in {p.id for p in machine.products}:
                continue
            out.append(machine)
    return out


def position_of(definition: AlarmDefinition, plant: Plant, machine_id: str) -> str:
    """The operator position answering an alarm: its own, or its machine's line."""
    if definition.position is not None:
        return definition.position
    line = plant.line_of(machine_id)
    return line.id if line is not None else machine_id


def _reference_problems(i: int, definition: AlarmDefinition, plant: Plant) -> list[Problem]:
    scope, loc = definition.scope, ("alarms", "definitions", i, "scope")
    problems: list[Problem] = []
    if scope.machine is not None and plant.machine(scope.machine) is None:
        problems.append(((*loc, "machine"), f"unknown machine '{scope.machine}'"))
    if scope.line is not None and scope.line not in {ln.id for ln in plant.lines()}:
        problems.append(((*loc, "line"), f"unknown line '{scope.line}'"))
    signals = {s.id for m in plant.machines() for s in m.signals}
    if scope.signal is not None and scope.signal not in signals:
        problems.append(((*loc, "signal"), f"unknown signal '{scope.signal}'"))
    products = {p.id for m in plant.machines() for p in m.products}
    if scope.product is not None and scope.product not in products:
        problems.append(((*loc, "product"), f"unknown product '{scope.product}'"))
    for j, extra in enumerate(getattr(definition.condition, "with_signals", [])):
        if extra not in signals:
            where = ("alarms", "definitions", i, "condition", "with_signals", j)
            problems.append((where, f"unknown signal '{extra}'"))
    return problems


def unknown_references(settings: AlarmSettings, plant: Plant) -> list[Problem]:
    """Each scope naming something the plant lacks, or matching no machine, by its path."""
    problems: list[Problem] = []
    for i, definition in enumerate(settings.definitions):
        found = _reference_problems(i, definition, plant)
        if not found and not machines_of(definition, plant):
            found = [(("alarms", "definitions", i, "scope"), "matches no machine")]
        problems.extend(found)
    return problems
