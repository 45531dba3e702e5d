"""Each machine's connection health: where its data comes from, how fresh, how fast, how good.

One definition of each figure, over fixed windows ending now:
- last data: the newest state, count or sample time in the last hour (None: nothing in the hour);
- rate: records (states, counts, samples) per minute over the last five minutes;
- quality mix: samples by quality (good, uncertain, bad) in the last five minutes;
- dead letters: inputs refused in the last hour that name the machine, and per connector those
  that name none (a payload that could not be decoded far enough to know its machine).
"""

from __future__ import annotations

import fnmatch
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from pabrik.connectors.modbus.config import ModbusConfig
from pabrik.connectors.mqtt.config import MqttConfig
from pabrik.connectors.opcua.config import OpcuaConfig
from pabrik.connectors.simulator.config import SimulatorConfig
from pabrik.connectors.sparkplug.config import SparkplugConfig
from pabrik.model.records import CountRecord, DeadLetter, StateRecord
from pabrik.model.site import Machine
from pabrik.model.states import Quality
from pabrik.runtime.ingest.connectors import ConnectorStatus
from pabrik.runtime.plant.siteconfig import SiteConfig
from pabrik.storage.store import Store

if TYPE_CHECKING:
    from pabrik.runtime.app import Runtime

HEALTH_WINDOW = timedelta(hours=1)
RATE_WINDOW = timedelta(minutes=5)
DEAD_LETTER_PAGE = 500
DEAD_LETTER_SCAN_MAX = 5000
_TEMPLATE = re.compile(r"\{[^}]*\}")


@dataclass(frozen=True, slots=True)
class SourceHealth:
    """A connector that feeds a machine, with its running state when it is supervised."""

    id: str
    kind: str
    status: ConnectorStatus | None
    dead_letters: int
    """Refused inputs of this connector in the last hour that name no machine."""


@dataclass(frozen=True, slots=True)
class MachineHealth:
    """One machine's row on the machines page."""

    machine: Machine
    line_id: str
    sources: tuple[SourceHealth, ...]
    seen_sources: tuple[str, ...]
    """Record sources seen in the last hour (connector ids, ``manual:{user}``...)."""
    last_data: datetime | None
    per_minute: float
    quality: dict[Quality, int]
    dead_letters: int

    @property
    def samples(self) -> int:
        """Samples in the quality mix."""
        return sum(self.quality.values())

    def share(self, quality: Quality) -> float | None:
        """The share of samples with a quality, None without samples."""
        return self.quality.get(quality, 0) / self.samples if self.samples else None


def _matches(pattern: str, machine_id: str) -> bool:
    return fnmatch.fnmatchcase(machine_id, _TEMPLATE.sub("*", pattern))


def _mapped(config: object, machine_id: str) -> bool:
    """Whether a connector's mapping names the machine (a template such as press-{n} matches)."""
    if isinstance(config, SimulatorConfig):
        return True
    machines: Iterator[str]
    if isinstance(config, ModbusConfig):
        machines = (p.machine for d in config.devices for p in d.points)
    elif isinstance(config, OpcuaConfig):
        machines = (s.machine for s in config.signals)
    elif isinstance(config, SparkplugConfig):
        machines = (d.machine for d in config.devices)
    elif isinstance(config, MqttConfig):
        machines = (r.machine for r in config.topic_map)
    else:
        return False
    return any(_matches(m, machine_id) for m in machines)


def connectors_of(site: SiteConfig, machine_id: str) -> list[object]:
    """The configured connectors whose mapping feeds a machine."""
    return [c for c in site.connectors if _mapped(c, machine_id)]


def recent_dead_letters(store: Store, since: datetime) -> list[DeadLetter]:
    """Dead letters received since ``since``, newest first (at most a few thousand)."""
    out: list[DeadLetter] = []
    offset = 0
    while offset < DEAD_LETTER_SCAN_MAX:
        page = store.dead_letters(DEAD_LETTER_PAGE, offset)
        fresh = [d for d in page if d.received_at >= since]
        out += fresh
        if len(page) < DEAD_LETTER_PAGE or len(fresh) < len(page):
            break
        offset += DEAD_LETTER_PAGE
    return out


def _activity(
    store: Store, machine: Machine, now: datetime
) -> tuple[datetime | None, int, Counter[Quality], set[str]]:
    # Samples are the bulk of the data: read five minutes of them, an hour only when those
    # five minutes hold nothing at all (to find how old the last data is).
    start, rate_from = now - HEALTH_WINDOW, now - RATE_WINDOW
    stamps: list[datetime] = []
    sources: set[str] = set()
    quality: Counter[Quality] = Counter()
    records: list[StateRecord | CountRecord] = [*store.states(machine.id, start, now)]
    records += store.counts(machine.id, start, now)
    for rec in records:
        stamps.append(rec.ts)
        sources.add(rec.source)
    for signal in machine.signals:
        for s in store.samples(machine.id, signal.id, rate_from, now):
            stamps.append(s.ts)
            sources.add(s.source)
            quality[s.quality] += 1
    recent = sum(1 for ts in stamps if ts > rate_from)
    if not recent:
        for signal in machine.signals:
            for s in store.samples(machine.id, signal.id, start, rate_from):
                stamps.append(s.ts)
                sources.add(s.source)
    return (max(stamps) if stamps else None), recent, quality, sources


def machine_health(runtime: Runtime) -> list[MachineHealth]:
    """Every configured machine's connection health, in configuration order."""
    now = runtime.now()
    site, plant = runtime.site, runtime.plant
    statuses = {s.id: s for s in runtime.connector_states()}
    letters = recent_dead_letters(runtime.store, now - HEALTH_WINDOW)
    by_machine = Counter((d.context or {}).get("machine") for d in letters)
    unnamed = Counter(d.source for d in letters if not (d.context or {}).get("machine"))
    minutes = RATE_WINDOW.total_seconds() / 60
    rows = []
    for line in plant.lines():
        for machine in line.machines:
            last, recent, quality, seen = _activity(runtime.store, machine, now)
            sources = tuple(
                SourceHealth(
                    str(getattr(c, "id", "?")),
                    str(getattr(c, "kind", "?")),
                    statuses.get(str(getattr(c, "id", ""))),
                    unnamed.get(str(getattr(c, "id", "")), 0),
                )
                for c in connectors_of(site, machine.id)
            )
            rows.append(
                MachineHealth(
                    machine,
                    line.id,
                    sources,
                    tuple(sorted(seen)),
                    last,
                    recent / minutes,
                    dict(quality),
                    by_machine.get(machine.id, 0),
                )
            )
    return rows
