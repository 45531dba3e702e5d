"""Topic routing: the pabrik unified namespace and the configured foreign layouts."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pabrik.connectors.mqtt.config import KINDS, TopicRule
from pabrik.model.site import Plant
from pabrik.model.validation import Rejection

# A bound on remembered topics, so a flood of random topics cannot grow memory without end.
ROUTE_CACHE_LIMIT = 100_000


@dataclass(frozen=True, slots=True)
class Route:
    """Where a topic's payloads go: a machine, a kind, and a signal or several."""

    machine_id: str
    kind: str
    signal_id: str | None = None
    rule: TopicRule | None = None
    signals: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class _Place:
    area_id: str
    line_id: str
    signals: frozenset[str]


class _CompiledRule:
    """A topic rule ready to match topics and fill its templates."""

    def __init__(self, rule: TopicRule) -> None:
        self.rule = rule
        self.regex = re.compile(rule.regex) if rule.regex is not None else None
        self.levels = rule.filter.split("/") if rule.filter is not None else []

    def bind(self, topic: str) -> dict[str, str] | None:
        """The names a topic binds, or None when it does not match."""
        if self.regex is not None:
            found = self.regex.fullmatch(topic)
            return None if found is None else {k: v or "" for k, v in found.groupdict().items()}
        return _bind_filter(self.levels, topic.split("/"))

    def route(self, names: dict[str, str]) -> Route:
        """The route for a topic's bound names."""
        rule = self.rule
        signals = tuple((s.format_map(names), path) for s, path in rule.signals.items())
        signal = rule.signal.format_map(names) if rule.signal else None
        return Route(rule.machine.format_map(names), rule.kind, signal, rule, signals)


def _bind_filter(levels: list[str], parts: list[str]) -> dict[str, str] | None:
    names: dict[str, str] = {}
    for i, level in enumerate(levels):
        if level.startswith("#"):
            if len(level) > 1:
                names[level[1:]] = "/".join(parts[i:])
            return names
        if i >= len(parts):
            return None
        if level.startswith("+"):
            if len(level) > 1:
                names[level[1:]] = parts[i]
        elif level != parts[i]:
            return None
    return names if len(parts) == len(levels) else None


class Router:
    """Resolve topics to routes, remembering each topic's answer."""

    def __init__(self, plant: Plant, rules: list[TopicRule], *, native: bool = True) -> None:
        self.site_id = plant.site.id
        self.native = native
        self.rules = [_CompiledRule(r) for r in rules]
        self.places = {
            m.id: _Place(area.id, line.id, frozenset(m.signal_ids))
            for area in plant.areas
            for line in area.lines
            for m in line.machines
        }
        self._cache: dict[str, Route | Rejection] = {}

    def resolve(self, topic: str) -> Route | Rejection:
        """The route of a topic, or why it has none."""
        found = self._cache.get(topic)
        if found is None:
            if len(self._cache) >= ROUTE_CACHE_LIMIT:
                self._cache.clear()
            found = self._cache[topic] = self._resolve(topic)
        return found

    def _resolve(self, topic: str) -> Route | Rejection:
        for rule in self.rules:
            names = rule.bind(topic)
            if names is not None:
                return self._checked(rule.route(names))
        if self.native and topic.startswith("pabrik/"):
            return self._native(topic)
        return Rejection("unknown_topic", f"topic {topic[:200]!r} matches no route")

    def _native(self, topic: str) -> Route | Rejection:
        parts = topic.split("/")
        if len(parts) not in {7, 8} or parts[1] != "v1" or parts[2] != self.site_id:
            return Rejection(
                "unknown_topic",
                f"topic {topic[:200]!r} is not pabrik/v1/{self.site_id}/"
                "<area>/<line>/<machine>/<kind>[/<signal>]",
            )
        area, line, machine, kind = parts[3:7]
        signal = parts[7] if len(parts) == 8 else None
        if kind not in KINDS:
            return Rejection("unknown_kind", f"kind {kind[:40]!r} is not state, count or sample")
        if signal is not None and kind != "sample":
            return Rejection("unknown_topic", f"a {kind} topic has no signal level")
        place = self.places.get(machine)
        if place is not None and (place.area_id, place.line_id) != (area, line):
            return Rejection(
                "unknown_topic",
                f"machine '{machine}' is in {place.area_id}/{place.line_id}, not {area}/{line}",
            )
        return self._checked(Route(machine, kind, signal))

    def _checked(self, route: Route) -> Route | Rejection:
        place = self.places.get(route.machine_id)
        if place is None:
            return Rejection(
                "unknown_machine", f"machine '{route.machine_id[:64]}' is not configured"
            )
        wanted = [route.signal_id] if route.signal_id else [s for s, _ in route.signals]
        for signal in wanted:
            if signal not in place.signals:
                return Rejection(
                    "unknown_signal",
                    f"signal '{signal[:64]}' is not configured on '{route.machine_id}'",
                )
        return route

    def signals_of(self, machine_id: str) -> frozenset[str]:
        """The configured signals of a machine."""
        place = self.places.get(machine_id)
        return place.signals if place is not None else frozenset()
