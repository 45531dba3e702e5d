"""The site's alarms, expanded: one point per definition and machine, indexed for ingest."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from pabrik.alarms.builtin import BUILT_IN, PLANT_POSITION, PLANT_WIDE
from pabrik.alarms.definitions import (
    SIGNAL_KINDS,
    AlarmDefinition,
    AlarmSettings,
    IdleInShiftCondition,
    LongStopCondition,
)
from pabrik.alarms.scoping import alarm_key, machines_of, position_of
from pabrik.model.site import Plant


@dataclass(frozen=True, slots=True)
class AlarmPoint:
    """One alarm: a definition watching one machine."""

    key: str
    definition: AlarmDefinition
    machine_id: str
    position: str

    @property
    def reads_samples(self) -> bool:
        """Whether samples of its signal drive it (limits, rate, anomaly scores, staleness)."""
        return self.definition.kind in SIGNAL_KINDS

    @property
    def scores(self) -> bool:
        """Whether it reads anomaly scores instead of the signal's values."""
        return self.definition.kind == "anomaly"


# Not behind_target: a record's view has no shift figure (only the clock's tick reads the KPI),
# so judging it here cleared the alarm at each record and the tick raised it again (chatter).
WATCHED = frozenset({"stale", "long_stop", "idle_in_shift"})
_US = timedelta(microseconds=1)
_PAST_US = 1000


@dataclass(frozen=True, slots=True)
class MachineWatch:
    """A machine's points that need looks, and when after a state change to look (µs)."""

    watchers: tuple[AlarmPoint, ...]
    """Alarms on values see the machine with each reading; only time conditions need looks."""
    thresholds_us: tuple[int, ...]
    """Stops and idling cross their alarm's threshold between records; look right then."""


def machine_watch(points: Sequence[AlarmPoint]) -> MachineWatch:
    """The looks that ``points`` (one machine's) need, worked out once per catalogue."""
    thresholds = {
        timedelta(minutes=p.definition.condition.minutes) // _US + _PAST_US
        for p in points
        if isinstance(p.definition.condition, LongStopCondition | IdleInShiftCondition)
    }
    watchers = tuple(p for p in points if p.definition.kind in WATCHED)
    return MachineWatch(watchers, tuple(sorted(thresholds)))


@dataclass(frozen=True, slots=True)
class AlarmCatalogue:
    """Every point of the site, by key, by machine and by (machine, signal)."""

    points: dict[str, AlarmPoint] = field(default_factory=dict)
    by_machine: dict[str, list[AlarmPoint]] = field(default_factory=dict)
    by_signal: dict[tuple[str, str], list[AlarmPoint]] = field(default_factory=dict)
    by_values: dict[tuple[str, str], tuple[AlarmPoint, ...]] = field(default_factory=dict)
    """The points of a signal that read its values (all but anomaly-score alarms)."""
    max_shelve_h: float = 8.0
    watch: dict[str, MachineWatch] = field(default_factory=dict)
    """Per machine of ``by_machine``, its ``machine_watch``."""

    def point(self, key: str) -> AlarmPoint | None:
        """A point by key."""
        return self.points.get(key)


def build_catalogue(settings: AlarmSettings, plant: Plant) -> AlarmCatalogue:
    """Expand enabled definitions over the plant's machines."""
    points: dict[str, AlarmPoint] = {}
    by_machine: dict[str, list[AlarmPoint]] = defaultdict(list)
    by_signal: dict[tuple[str, str], list[AlarmPoint]] = defaultdict(list)
    for definition in settings.definitions:
        if not definition.enabled:
            continue
        for machine in machines_of(definition, plant):
            point = AlarmPoint(
                alarm_key(definition.id, machine.id),
                definition,
                machine.id,
                position_of(definition, plant, machine.id),
            )
            points[point.key] = point
            by_machine[machine.id].append(point)
            if point.reads_samples and definition.scope.signal is not None:
                by_signal[(machine.id, definition.scope.signal)].append(point)
    by_values = {k: tuple(p for p in v if not p.scores) for k, v in by_signal.items()}
    # Built-in plant-wide alarms are listed and answered like the others; no machine feeds them.
    points.update((d.id, AlarmPoint(d.id, d, PLANT_WIDE, PLANT_POSITION)) for d in BUILT_IN)
    watch = {m: machine_watch(ps) for m, ps in by_machine.items()}
    return AlarmCatalogue(
        points, dict(by_machine), dict(by_signal), by_values, settings.max_shelve_h, watch
    )
