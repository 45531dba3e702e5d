"""The guideline catalogue: practices with prerequisites, costs, benefits and skills."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pabrik.assessment.evidence import OBSERVATIONS
from pabrik.assessment.model import KPI_AREAS, Bilingual
from pabrik.assessment.parsing import Reader
from pabrik.model.errors import ConfigError

SCHEMA = "pabrik.practice-catalogue/1"
MILLION = 1_000_000


class PlantSize(StrEnum):
    """Plant size classes that set cost ranges and head counts."""

    SMALL = "small"
    MEDIUM = "medium"
    LARGE = "large"


EFFORTS = {"low": 1, "medium": 2, "high": 3}


@dataclass(frozen=True, slots=True)
class Source:
    """Where a benefit figure comes from, and what kind of source it is."""

    id: str
    citation: str
    kind: str


@dataclass(frozen=True, slots=True)
class Benefit:
    """An expected benefit on one KPI area, with its source when one exists."""

    area: str
    text: Bilingual
    source: str | None


@dataclass(frozen=True, slots=True)
class Skill:
    """A role that needs training topics, and how many people per plant size."""

    role: str
    topics: tuple[str, ...]
    people: tuple[int, int, int]

    def head_count(self, size: PlantSize) -> int:
        """People needed in a plant of this size."""
        return self.people[list(PlantSize).index(size)]


@dataclass(frozen=True, slots=True)
class ShownBy:
    """A plant observation that, at or above a threshold, shows a practice is already done."""

    observe: str
    at_least: float


@dataclass(frozen=True, slots=True)
class Practice:
    """One practice of the guideline."""

    id: str
    name: Bilingual
    fields: tuple[str, ...]
    level: int
    prerequisites: tuple[str, ...]
    effort: int
    months: int
    cost: tuple[tuple[int, int], tuple[int, int], tuple[int, int]]
    owner: str
    kpi: str
    benefits: tuple[Benefit, ...]
    skills: tuple[Skill, ...]
    feature: Bilingual | None = None
    shown_by: ShownBy | None = None

    def cost_range(self, size: PlantSize) -> tuple[int, int]:
        """Low and high cost in rupiah for a plant of this size."""
        return self.cost[list(PlantSize).index(size)]

    def cost_estimate(self, size: PlantSize) -> int:
        """The middle of the cost range, used against a budget cap."""
        low, high = self.cost_range(size)
        return (low + high) // 2


@dataclass(frozen=True, slots=True)
class Catalogue:
    """A versioned catalogue of practices and the vocabularies they use."""

    id: str
    version: int
    practices: tuple[Practice, ...]
    roles: Mapping[str, Bilingual]
    topics: Mapping[str, Bilingual]
    kpis: Mapping[str, Bilingual]
    sources: Mapping[str, Source]

    def practice(self, practice_id: str) -> Practice | None:
        """The practice with this id."""
        return next((p for p in self.practices if p.id == practice_id), None)


def parse_catalogue(data: object, source: str, field_ids: set[str] | None = None) -> Catalogue:
    """A catalogue from parsed data; rejects unknown references and prerequisite cycles."""
    r = Reader()
    top = r.mapping(data, "")
    if top and top.get("schema") != SCHEMA:
        r.problem("schema", f"must be '{SCHEMA}'")
    roles = _vocabulary(r, top, "roles")
    topics = _vocabulary(r, top, "topics")
    kpis = _vocabulary(r, top, "kpis")
    sources = _sources(r, top)
    practices = tuple(
        _practice(r, p, f"practices[{i}]") for i, p in enumerate(r.items(top, "practices", ""))
    )
    r.unique([(p.id, f"practices[{i}].id") for i, p in enumerate(practices)], "practice")
    vocab: dict[str, Mapping[str, object]] = {
        "roles": roles,
        "topics": topics,
        "kpis": kpis,
        "sources": sources,
    }
    ids = {p.id for p in practices}
    for i, p in enumerate(practices):
        _check_practice(r, p, f"practices[{i}]", vocab, field_ids)
        for q in p.prerequisites:
            if q not in ids:
                r.problem(f"practices[{i}].prerequisites", f"unknown practice '{q}'")
    cycle = find_cycle({p.id: p.prerequisites for p in practices})
    if cycle:
        r.problem("practices", "prerequisite cycle: " + " → ".join(cycle))
    catalogue = Catalogue(
        id=r.text(top, "id", ""),
        version=r.integer(top, "version", "", low=1),
        practices=practices,
        roles=roles,
        topics=topics,
        kpis=kpis,
        sources=sources,
    )
    if r.issues:
        raise ConfigError(source, r.issues)
    return catalogue


def _vocabulary(r: Reader, top: Mapping[str, Any], key: str) -> dict[str, Bilingual]:
    block = r.mapping(top.get(key, {}), key)
    return {str(k): r.label(block, str(k), key) for k in block}


def _sources(r: Reader, top: Mapping[str, Any]) -> dict[str, Source]:
    block = r.mapping(top.get("sources", {}), "sources")
    out: dict[str, Source] = {}
    for key in block:
        path = f"sources.{key}"
        item = r.mapping(block[key], path)
        out[str(key)] = Source(str(key), r.text(item, "citation", path), r.text(item, "kind", path))
    return out


def _cost(r: Reader, block: Mapping[str, Any], path: str) -> tuple[tuple[int, int], ...]:
    where = f"{path}.cost_idr_million"
    costs = r.mapping(block.get("cost_idr_million"), where)
    out: list[tuple[int, int]] = []
    for size in PlantSize:
        pair = costs.get(size.value)
        if not isinstance(pair, list) or len(pair) != 2:
            r.problem(f"{where}.{size.value}", "must be [low, high] in millions of rupiah")
            out.append((0, 0))
            continue
        low, high = r.number(pair[0], where), r.number(pair[1], where)
        if low < 0 or high < low:
            r.problem(f"{where}.{size.value}", "needs 0 ≤ low ≤ high")
        out.append((round(low * MILLION), round(high * MILLION)))
    return tuple(out)


def _practice(r: Reader, item: object, path: str) -> Practice:
    block = r.mapping(item, path)
    effort_text = block.get("effort")
    if effort_text not in EFFORTS:
        r.problem(f"{path}.effort", "must be low, medium or high")
    cost = _cost(r, block, path)
    return Practice(
        id=r.text(block, "id", path),
        name=r.label(block, "name", path),
        fields=r.identifiers(block, "fields", path),
        level=r.integer(block, "level", path, low=1, high=4),
        prerequisites=r.identifiers(block, "prerequisites", path),
        effort=EFFORTS.get(str(effort_text), 2),
        months=r.integer(block, "months", path, low=1, high=24),
        cost=(cost[0], cost[1], cost[2]),
        owner=r.text(block, "owner", path),
        kpi=r.text(block, "kpi", path),
        benefits=tuple(
            _benefit(r, b, f"{path}.benefits[{j}]")
            for j, b in enumerate(r.optional_items(block, "benefits", path))
        ),
        skills=tuple(
            _skill(r, s, f"{path}.skills[{j}]")
            for j, s in enumerate(r.optional_items(block, "skills", path))
        ),
        feature=r.bilingual(block, "feature", path, required=False),
        shown_by=_shown_by(r, block.get("shown_by"), f"{path}.shown_by"),
    )


def _shown_by(r: Reader, item: object, path: str) -> ShownBy | None:
    if item is None:
        return None
    block = r.mapping(item, path)
    observe = r.text(block, "observe", path)
    if observe and observe not in OBSERVATIONS:
        r.problem(f"{path}.observe", f"unknown observation '{observe}'")
    return ShownBy(observe, r.number(block.get("at_least"), f"{path}.at_least"))


def _benefit(r: Reader, item: object, path: str) -> Benefit:
    block = r.mapping(item, path)
    area = r.text(block, "kpi", path)
    if area and area not in KPI_AREAS:
        r.problem(f"{path}.kpi", f"unknown KPI area '{area}'")
    source = block.get("source")
    return Benefit(area, r.label(block, "text", path), source if isinstance(source, str) else None)


def _skill(r: Reader, item: object, path: str) -> Skill:
    block = r.mapping(item, path)
    people = block.get("people")
    counts = (0, 0, 0)
    if isinstance(people, list) and len(people) == 3 and all(isinstance(n, int) for n in people):
        counts = (people[0], people[1], people[2])
    else:
        r.problem(f"{path}.people", "must be [small, medium, large] head counts")
    return Skill(r.text(block, "role", path), r.identifiers(block, "topics", path), counts)


def _check_practice(
    r: Reader,
    p: Practice,
    path: str,
    vocab: Mapping[str, Mapping[str, object]],
    field_ids: set[str] | None,
) -> None:
    if not p.fields:
        r.problem(f"{path}.fields", "missing required field")
    for f in p.fields:
        if field_ids is not None and f not in field_ids:
            r.problem(f"{path}.fields", f"unknown field '{f}'")
    checks = [("owner", p.owner, "roles"), ("kpi", p.kpi, "kpis")]
    checks += [(f"skills[{j}].role", s.role, "roles") for j, s in enumerate(p.skills)]
    checks += [
        (f"skills[{j}].topics", t, "topics") for j, s in enumerate(p.skills) for t in s.topics
    ]
    checks += [
        (f"benefits[{j}].source", b.source, "sources")
        for j, b in enumerate(p.benefits)
        if b.source is not None
    ]
    for where, ident, vocabulary in checks:
        if ident and ident not in vocab[vocabulary]:
            r.problem(f"{path}.{where}", f"unknown {vocabulary[:-1]} '{ident}'")


def find_cycle(graph: Mapping[str, tuple[str, ...]]) -> list[str]:
    """A prerequisite cycle as a path that ends where it starts, or an empty list."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        stack.append(node)
        for nxt in graph.get(node, ()):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and nxt in graph:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return []

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return []
