"""The hierarchy the wizard's machine rows describe: areas and lines, with ids from their names."""

from __future__ import annotations

from dataclasses import dataclass, field

from pabrik.runtime.setup.draft import Draft, MachineRow
from pabrik.runtime.setup.forms import slug


@dataclass
class LineGroup:
    """A line and its machines, in the order typed."""

    id: str
    name: str
    machines: list[MachineRow] = field(default_factory=list)


@dataclass
class AreaGroup:
    """An area and its lines, in the order typed."""

    id: str
    name: str
    lines: list[LineGroup] = field(default_factory=list)


def hierarchy(draft: Draft) -> list[AreaGroup]:
    """Areas and lines grouped by name (case and punctuation aside); line ids plant-unique."""
    areas: dict[str, AreaGroup] = {}
    lines: dict[tuple[str, str], LineGroup] = {}
    taken: set[str] = set()
    for row in draft.machines or ():
        area_id = slug(row.area)
        area = areas.setdefault(area_id, AreaGroup(area_id, row.area))
        key = (area_id, slug(row.line))
        line = lines.get(key)
        if line is None:
            line_id = key[1] if key[1] not in taken else f"{area_id}-{key[1]}"[:64]
            taken.add(line_id)
            line = lines[key] = LineGroup(line_id, row.line)
            area.lines.append(line)
        line.machines.append(row)
    return list(areas.values())


def line_ids(draft: Draft) -> list[str]:
    """The ids of every line, in order."""
    return [line.id for area in hierarchy(draft) for line in area.lines]


def line_names(draft: Draft) -> dict[str, str]:
    """Each line's name by id."""
    return {line.id: line.name for area in hierarchy(draft) for line in area.lines}
