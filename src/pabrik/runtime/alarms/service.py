"""Alarm evaluation on ingest and on a clock, and the operator's actions, over the store.

Every change of an alarm is a compare-and-set on its stored row: the state is read, the pure
core computes the next one, and the save names the version it read. Two ingest workers that
see one condition race for one version; the loser reads again and finds nothing left to do.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from operator import itemgetter
from typing import Protocol

from pabrik.alarms import evaluation as ev
from pabrik.alarms.builtin import DISK_BUDGET
from pabrik.alarms.definitions import AlarmSettings, BehindTargetCondition
from pabrik.alarms.runs import Readings, on_readings
from pabrik.alarms.states import Event, Transition, apply
from pabrik.model.batch import RecordBatch
from pabrik.model.calendar import ShiftInstance, active_shift
from pabrik.model.errors import InvalidRequestError, NotFoundError
from pabrik.model.records import Record, from_epoch_ms
from pabrik.model.site import Plant
from pabrik.runtime.alarms import codec
from pabrik.runtime.alarms.catalogue import AlarmCatalogue, AlarmPoint, build_catalogue
from pabrik.runtime.alarms.timeline import Inputs, Step, batch_inputs
from pabrik.storage.accounts import AuditLogRow
from pabrik.storage.alarms import AlarmSave, AlarmStateRow, AlarmStore, AlarmTransitionRow
from pabrik.storage.store import StateRun

log = logging.getLogger(__name__)

_LOOK_BACK = timedelta(days=1)
_TS = itemgetter(2)

MAX_TRIES = 5
Clock = Callable[[], datetime]
ShiftFigure = Callable[[str, str, datetime, datetime], float | None]
"""(machine, "oee" or "output", shift start, now) -> the shift's figure so far."""
Score = tuple[str, str, datetime, float]
"""(machine, signal, instant, anomaly score in [0, 1])."""


class AlarmBackend(AlarmStore, Protocol):
    """What alarms need of the store: their own tables and the machines' states."""

    def state_runs(
        self, machine_ids: Sequence[str], end: datetime, start: datetime, *, with_end: bool = False
    ) -> dict[str, StateRun]:
        """Per machine, its state record in force at ``end`` and since when that state held."""
        ...


class AlarmConflictError(InvalidRequestError):
    """An alarm kept changing under an action; the caller may try again."""

    code = "alarm_conflict"


def _run_steps(
    point: AlarmPoint, steps: Sequence[Step | Readings]
) -> Callable[[ev.Tracked], Result]:
    def run(t: ev.Tracked) -> Result:
        out: list[Transition] = []
        for step in steps:
            if isinstance(step, Readings):
                t, ts = on_readings(point.definition, t, step)
            elif step.reading is not None:
                t, ts = ev.on_reading(point.definition, t, step.reading, step.view)
            else:
                t, ts = ev.on_view(point.definition, t, step.view)
            out += ts
        return t, out

    return run


def _run_event(event: Event) -> Callable[[ev.Tracked], Result]:
    def run(t: ev.Tracked) -> Result:
        status, transition = apply(t.status, event)
        return ev.Tracked(status, t.memory), [] if transition is None else [transition]

    return run


Result = tuple[ev.Tracked, list[Transition]]


class AlarmService:
    """The site's alarms: evaluated from records, scores and time; changed by operators."""

    def __init__(
        self,
        plant: Plant,
        settings: AlarmSettings,
        store: AlarmBackend,
        clock: Clock,
        shift_figure: ShiftFigure | None = None,
    ) -> None:
        self.plant = plant
        self.catalogue: AlarmCatalogue = build_catalogue(settings, plant)
        self.store = store
        self.clock = clock
        self.shift_figure = shift_figure
        self.tenant = plant.site.tenant or "default"
        self._shift: ShiftInstance | None = None
        # The last body read or saved of each alarm and its decoding: most alarms' rows are
        # read back every batch exactly as this process left them.
        self._decoded: dict[str, tuple[str, ev.Tracked]] = {}

    # -- evaluation -------------------------------------------------------------------------

    def observe(self, records: Sequence[Record]) -> int:
        """Evaluate a committed batch; return how many transitions were recorded."""
        if not self.catalogue.points or not records:
            return 0
        # A batch's sample rows are read as rows: no record, no datetime per value.
        plain, rows = (
            (records.records, records.rows) if isinstance(records, RecordBatch) else (records, ())
        )
        watched = self.catalogue.by_machine
        mine = [r for r in plain if r.machine_id in watched]
        mine_rows = [row for row in rows if row[0] in watched]
        if not mine and not mine_rows:
            return 0
        firsts = [r.ts for r in mine]
        if mine_rows:
            firsts.append(from_epoch_ms(min(map(_TS, mine_rows))))
        first = min(firsts)
        machines = {r.machine_id for r in mine} | {row[0] for row in mine_rows}
        views = self._views(machines, first, before=True)
        inputs = batch_inputs(self.catalogue, mine, mine_rows, views, self.in_shift)
        return self._commit_inputs(inputs)

    def observe_scores(self, scores: Sequence[Score]) -> int:
        """Evaluate anomaly scores against the anomaly alarms of their signals."""
        inputs: Inputs = {}
        for machine_id, signal_id, at, score in sorted(scores, key=lambda s: s[2]):
            for p in self.catalogue.by_signal.get((machine_id, signal_id), []):
                if p.scores:
                    view = ev.MachineView(at)
                    inputs.setdefault(p.key, []).append(Step(view, ev.Reading(at, score)))
        return self._commit_inputs(inputs)

    def observe_disk(self, percent: float, at: datetime | None = None) -> int:
        """Evaluate the plant store's share of its disk budget (percent) against its alarm."""
        at = at or self.clock()
        step = Step(ev.MachineView(at), ev.Reading(at, percent))
        return self._commit_inputs({DISK_BUDGET.id: [step]})

    def tick(self, now: datetime | None = None) -> int:
        """Look at every alarm at ``now``: time conditions, suppression and expiring shelves."""
        now = now or self.clock()
        inputs: Inputs = {}
        views = self._views(self.catalogue.by_machine, now, before=False)
        for machine_id, points in self.catalogue.by_machine.items():
            view = views[machine_id]
            for p in points:
                inputs[p.key] = [Step(self._with_target(p, view))]
        return self._commit_inputs(inputs)

    def in_shift(self, at: datetime) -> bool:
        """Whether a production shift is planned at ``at``."""
        return self._shift_at(at) is not None

    def _shift_at(self, at: datetime) -> ShiftInstance | None:
        if self._shift is None or not self._shift.contains(at):
            self._shift = active_shift(self.plant.calendar, at)
        return self._shift

    def _views(
        self, machines: Iterable[str], at: datetime, *, before: bool
    ) -> dict[str, ev.MachineView]:
        """Each machine at ``at``: its state in force (before ``at`` or at it) and since when."""
        # One read for every machine: a state's age counts from the first of its run of equal
        # records, followed back no further than a day before ``at``.
        with_end = not before or at.microsecond % 1000 != 0  # a record at ``at``'s ms is before it
        ids = sorted(machines)
        runs = self.store.state_runs(ids, at, at - _LOOK_BACK, with_end=with_end)
        in_shift = self.in_shift(at)
        views: dict[str, ev.MachineView] = {}
        for m in ids:
            run = runs.get(m)
            views[m] = (
                ev.MachineView(at, in_shift=in_shift)
                if run is None
                else ev.MachineView(at, run.state, run.since, run.product_id, in_shift)
            )
        return views

    def _with_target(self, point: AlarmPoint, view: ev.MachineView) -> ev.MachineView:
        cond = point.definition.condition
        if not isinstance(cond, BehindTargetCondition):
            return view
        shift = self._shift_at(view.at)
        if shift is None:
            return view
        elapsed = (view.at - shift.start) / (shift.end - shift.start)
        actual = None
        if elapsed >= cond.at_fraction and self.shift_figure is not None:
            actual = self.shift_figure(point.machine_id, cond.measure, shift.start, view.at)
        return ev.MachineView(
            view.at, view.state, view.state_since, view.product, True, elapsed, actual
        )

    def _commit_inputs(self, inputs: Inputs) -> int:
        # One transaction for the whole batch; an alarm another writer changed meanwhile is
        # read again and retried on its own.
        if not inputs:
            return 0
        rows = self.store.alarm_versions(sorted(inputs))
        saves: list[AlarmSave] = []
        pending: list[tuple[AlarmPoint, Callable[[ev.Tracked], Result], list[Transition]]] = []
        afters: list[ev.Tracked] = []
        for key, steps in inputs.items():
            point = self.catalogue.points[key]
            run = _run_steps(point, steps)
            save = self._prepare(point, rows.get(key), run, None)
            if save is not None:
                saves.append(save[0])
                pending.append((point, run, save[1]))
                afters.append(save[2])
        done = 0
        for (point, run, transitions), (state, _, _), after, ok in zip(
            pending, saves, afters, self.store.save_alarms(saves), strict=True
        ):
            if ok:
                self._saved(state, after)
                done += len(transitions)
            else:
                done += len(self._commit(point, None, run, retry=True))
        return done

    def _prepare(
        self,
        point: AlarmPoint,
        found: tuple[int, str] | None,
        run: Callable[[ev.Tracked], Result],
        actor: str | None,
    ) -> tuple[AlarmSave, list[Transition], ev.Tracked] | None:
        """The save that moves the stored (version, body) on by ``run``; None if nothing changes."""
        before = self._decode(point.key, found[1]) if found else ev.tracked_for(point.definition)
        after, transitions = run(before)
        if after == before:
            return None
        version = (found[0] if found else 0) + 1
        rows = self._rows(point, version, transitions)
        audit = self._audit(point, actor, transitions)
        return (self._state_row(point, after, version), rows, audit), transitions, after

    def _decode(self, key: str, body: str) -> ev.Tracked:
        known = self._decoded.get(key)
        if known is not None and known[0] == body:
            return known[1]
        tracked = codec.loads(body)
        self._decoded[key] = (body, tracked)
        return tracked

    def _saved(self, state: AlarmStateRow, t: ev.Tracked) -> None:
        # Kept only when decoding the body would give ``t`` back exactly.
        if codec.round_trips(t):
            self._decoded[state.key] = (state.body_json, t)

    def _commit(
        self,
        point: AlarmPoint,
        found: tuple[int, str] | None,
        run: Callable[[ev.Tracked], Result],
        actor: str | None = None,
        *,
        retry: bool = False,
    ) -> list[Transition]:
        for attempt in range(MAX_TRIES):
            if attempt or retry:
                found = self.store.alarm_versions([point.key]).get(point.key)
            prepared = self._prepare(point, found, run, actor)
            if prepared is None:
                return []
            (state, rows, audit), transitions, after = prepared
            if self.store.save_alarm(state, rows, audit):
                self._saved(state, after)
                return transitions
        raise AlarmConflictError(f"alarm '{point.key}' kept changing", key=point.key)

    def _state_row(self, point: AlarmPoint, t: ev.Tracked, version: int) -> AlarmStateRow:
        d = point.definition
        return AlarmStateRow(
            point.key, d.id, point.machine_id, t.status.state.value, d.priority.value,
            point.position, codec.dumps(t), version, self.clock(),
        )  # fmt: skip

    def _rows(
        self, point: AlarmPoint, version: int, transitions: Sequence[Transition]
    ) -> list[AlarmTransitionRow]:
        d = point.definition
        return [
            AlarmTransitionRow(
                point.key,
                version,
                i,
                d.id,
                point.machine_id,
                d.priority.value,
                point.position,
                t.at,
                t.event,
                t.before.value,
                t.after.value,
                t.by,
                t.comment,
                t.value,
                t.occurrence,
            )
            for i, t in enumerate(transitions)
        ]

    def _audit(
        self, point: AlarmPoint, actor: str | None, transitions: Sequence[Transition]
    ) -> list[AuditLogRow]:
        if actor is None:
            return []
        return [
            AuditLogRow(
                self.tenant,
                actor,
                f"alarm.{t.event}",
                point.key,
                json.dumps(t.before.value),
                json.dumps({"state": t.after.value, "comment": t.comment}),
                t.at,
            )
            for t in transitions
        ]

    # -- operator actions -------------------------------------------------------------------

    def act(self, key: str, event: Event, actor: str) -> list[Transition]:
        """Apply an operator's event to one alarm, recorded and audited; [] if nothing changed."""
        point = self.catalogue.point(key)
        if point is None:
            raise NotFoundError(f"alarm '{key}' not found", key=key)
        found = self.store.alarm_versions([key]).get(key)
        return self._commit(point, found, _run_event(event), actor)

    def shelve_until(self, at: datetime, minutes: float) -> datetime:
        """The end of a shelf of ``minutes`` from ``at``, never past the site's longest shelf."""
        if minutes <= 0:
            raise InvalidRequestError("a shelf lasts more than 0 minutes", reason="bad_shelf")
        longest = timedelta(hours=self.catalogue.max_shelve_h)
        return at + min(timedelta(minutes=minutes), longest)
