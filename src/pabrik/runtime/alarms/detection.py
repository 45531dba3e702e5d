"""Anomaly detection on ingest: each anomaly alarm's signal is scored as its batch commits.

A signal watched by an ``anomaly`` alarm gets a streaming detector per machine (the default
``context`` one unless the condition names another, or a per-machine detector when it lists
``with_signals``). Each batch is walked in time order before it is written: a state record
pauses or resumes the machine's detectors (detection runs only while the machine runs), and
closes the open detection period first; a good sample joins its period (``period_s``,
default 1 s), and each period over is scored then learnt as one reading of mean values
(``watch.py``). The detector's state and the open period are written with the batch, as store
checkpoints in the same transaction (the detector's only when it learnt), so a restart
resumes exactly where the last commit left it; a sample no newer than the last one taken of
its signal is skipped, so a batch delivered again is never learnt twice. Scores go to the
alarms after the commit.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol

from pabrik.alarms.definitions import AlarmSettings, AnomalyCondition
from pabrik.alarms.scoping import machines_of
from pabrik.anomaly.detector import Pausable
from pabrik.anomaly.multivariate import MachineDetector
from pabrik.anomaly.registry import factory
from pabrik.model.batch import RecordBatch
from pabrik.model.records import Record, SampleRecord, StateRecord, from_epoch_ms
from pabrik.model.site import Plant
from pabrik.model.states import StateClass
from pabrik.runtime.alarms.service import AlarmService, Score
from pabrik.runtime.alarms.watch import NEVER, Reading, Watch
from pabrik.runtime.ingest.pipeline import Ingestor

log = logging.getLogger(__name__)

Event = tuple[int, int, str, float | StateClass]
"""(ts in epoch ms, 0 for a state or 1 for a sample, signal, value or state class)."""


class DetectionBackend(Protocol):
    """What detection needs of the store: checkpoints and the machines' states."""

    def checkpoint(self, name: str) -> str | None:
        """A stored checkpoint's value."""
        ...

    def states(self, machine_id: str, start: datetime, end: datetime) -> list[StateRecord]:
        """State records in [start, end), with the last one before and the first one after."""
        ...


def _ms(ts: datetime) -> int:
    return int(ts.timestamp() * 1000)


def _maker(condition: AnomalyCondition, signal_id: str) -> Callable[[], Pausable | MachineDetector]:
    kind = factory(condition.detector)
    if not condition.with_signals:
        return kind
    signals = [signal_id, *(s for s in condition.with_signals if s != signal_id)]
    return lambda: MachineDetector(signals, kind)


def build_watches(settings: AlarmSettings, plant: Plant) -> dict[str, list[Watch]]:
    """One watch per machine and signal that an enabled anomaly alarm looks at, by machine."""
    watches: dict[tuple[str, str], Watch] = {}
    for definition in settings.definitions:
        condition, signal_id = definition.condition, definition.scope.signal
        if not isinstance(condition, AnomalyCondition) or not definition.enabled:
            continue
        if signal_id is None:
            continue
        for machine in machines_of(definition, plant):
            make = _maker(condition, signal_id)
            extra = {s for s in condition.with_signals if s in machine.signal_ids}
            signals = frozenset({signal_id, *extra})
            period = max(1, round(condition.period_s * 1000))
            watch = Watch(machine.id, signal_id, make(), signals, make, period)
            watches.setdefault((machine.id, signal_id), watch)
    by_machine: dict[str, list[Watch]] = defaultdict(list)
    for watch in watches.values():
        by_machine[watch.machine_id].append(watch)
    return dict(by_machine)


def _events(batch: Sequence[Record], machines: dict[str, list[Watch]]) -> dict[str, list[Event]]:
    """The batch's state records and good samples of watched machines, by machine, in order."""
    out: dict[str, list[Event]] = defaultdict(list)
    rows = batch.rows if isinstance(batch, RecordBatch) else ()
    records = batch.records if isinstance(batch, RecordBatch) else batch
    for machine_id, signal_id, ts_ms, _source, value, quality in rows:
        if machine_id in machines and quality == "good":
            out[machine_id].append((ts_ms, 1, signal_id, value))
    for r in records:
        if r.machine_id not in machines:
            continue
        if isinstance(r, StateRecord):
            out[r.machine_id].append((_ms(r.ts), 0, "", r.state))
        elif isinstance(r, SampleRecord) and r.quality == "good":
            out[r.machine_id].append((_ms(r.ts), 1, r.signal_id, r.value))
    for events in out.values():
        events.sort(key=lambda e: (e[0], e[1]))
    return out


class Detection:
    """The site's anomaly detectors, run on each batch before it commits (a commit stage)."""

    def __init__(self, settings: AlarmSettings, plant: Plant, store: DetectionBackend) -> None:
        self.watches = build_watches(settings, plant)
        self.store = store
        self.pending: list[Score] = []
        self.failures = 0

    def prepare(self, batch: Sequence[Record]) -> dict[str, str]:
        """Score and learn the batch; return the detectors' new states as checkpoints."""
        try:
            return self._prepare(batch)
        except Exception:
            # Detection must never stop data being stored; it starts again from the store.
            self.failures += 1
            log.exception("anomaly detection failed for a batch of %d records", len(batch))
            self.abort()
            return {}

    def _prepare(self, batch: Sequence[Record]) -> dict[str, str]:
        saves: dict[str, str] = {}
        for machine_id, events in _events(batch, self.watches).items():
            for watch in self.watches[machine_id]:
                self._run(watch, events)
                saves.update(watch.saves())
        return saves

    def _run(self, watch: Watch, events: list[Event]) -> None:
        """Feed one watch the machine's events, scoring each period it closes."""
        if not watch.loaded:
            store = self.store
            watch.load(store.checkpoint(watch.checkpoint), store.checkpoint(watch.open_checkpoint))
            if not watch.last and watch.done == NEVER and events:
                self._follow_stored(watch, events[0][0])
        take = watch.take
        for ts, _kind, signal_id, value in events:
            if isinstance(value, StateClass):
                # A state change ends the open period: what came before is scored as before.
                self._learn(watch, watch.close())
                watch.follow(ts, value)
            elif (closed := take(ts, signal_id, float(value))) is not None:
                self._learn(watch, closed)

    def _learn(self, watch: Watch, reading: Reading | None) -> None:
        """Score then learn one closed period's mean reading."""
        if reading is not None:
            score = watch.learn(*reading)
            if score is not None:
                at = from_epoch_ms(reading[0])
                self.pending.append((watch.machine_id, watch.signal_id, at, score))

    def _follow_stored(self, watch: Watch, ts: int) -> None:
        """A new detector starts paused if the stored state of its machine is not running."""
        at = from_epoch_ms(ts)
        before = [s for s in self.store.states(watch.machine_id, at, at) if s.ts <= at]
        if before:
            watch.follow(_ms(before[-1].ts), before[-1].state)

    def take(self) -> list[Score]:
        """The scores of the committed batch, handed over once."""
        scores, self.pending = self.pending, []
        return scores

    def abort(self) -> None:
        """The batch did not commit: forget its scores and reload every detector when next used."""
        self.pending = []
        for watches in self.watches.values():
            for watch in watches:
                watch.loaded = False


def attach(ingestor: Ingestor, alarms: AlarmService, settings: AlarmSettings) -> Detection | None:
    """Detect on the ingestor's batches and score the alarms; call again after each reload."""
    detection = Detection(settings, alarms.plant, ingestor.store)
    ingestor.stage = detection if detection.watches else None
    if not detection.watches:
        return None
    hook = ingestor.after_commit

    def after_commit(batch: Sequence[Record]) -> None:
        try:
            alarms.observe_scores(detection.take())
        except Exception:
            # The scores are lost, not the data; the next batch scores again.
            log.exception("anomaly alarm evaluation failed")
        if hook is not None:
            hook(batch)

    ingestor.after_commit = after_commit
    return detection
