"""The per-sample timeline as it was before batches were read as rows: the equivalence oracle."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from pabrik.alarms.evaluation import MachineView, Reading, Tracked
from pabrik.model.records import Record, SampleRecord, StateRecord
from pabrik.model.states import Quality
from pabrik.runtime.alarms import codec
from pabrik.runtime.alarms.catalogue import AlarmCatalogue, AlarmPoint
from pabrik.runtime.alarms.service import AlarmService
from pabrik.runtime.alarms.timeline import Inputs, Step, view_from
from pabrik.storage.alarms import AlarmStateRow
from pabrik.storage.store import Store
from tests.storage.state_walk import walked

# Time conditions (long stops, idling, staleness) are looked at no more often than this
# between state changes, so a week of backfill costs seconds, not minutes.
VIEW_EVERY = timedelta(seconds=300)

InShift = Callable[[datetime], bool]
# Not behind_target: a record's view has no shift figure (only the clock's tick reads the KPI),
# so judging it here cleared the alarm at each record and the tick raised it again (chatter).
WATCHED = frozenset({"stale", "long_stop", "idle_in_shift"})
_PAST = timedelta(milliseconds=1)


class _Machine:
    """Walks one machine's records and hands out inputs to its alarms."""

    def __init__(
        self, points: Sequence[AlarmPoint], view: MachineView, in_shift: InShift, out: Inputs
    ) -> None:
        self.points = points
        # Alarms on values see the machine with each reading; only time conditions need looks.
        self.watchers = [p for p in points if p.definition.kind in WATCHED]
        self.view = view
        self.in_shift = in_shift
        self.out = out
        self.last_look: datetime | None = None
        # Stops and idling cross their alarm's threshold between records; look right then.
        self.thresholds = sorted(
            {
                timedelta(minutes=minutes) + _PAST
                for p in points
                if (minutes := getattr(p.definition.condition, "minutes", None)) is not None
            }
        )
        self.due: list[datetime] = []

    def catch_up(self, ts: datetime) -> None:
        """Look at every threshold crossing before ``ts``."""
        while self.due and self.due[0] < ts:
            self.look(self.due.pop(0))

    def look(self, at: datetime, *, everyone: bool = False) -> None:
        self.view = replace(self.view, at=at, in_shift=self.in_shift(at))
        for p in self.points if everyone else self.watchers:
            self.out[p.key].append(Step(self.view))
        self.last_look = at

    def state(self, r: StateRecord) -> None:
        # The old state first, so a long stop that ends in this batch is still seen.
        self.look(r.ts)
        changed = r.state != self.view.state
        since = r.ts if changed or self.view.state_since is None else self.view.state_since
        self.view = replace(self.view, state=r.state, state_since=since, product=r.product_id)
        self.look(r.ts, everyone=True)
        if changed:
            self.due = [since + t for t in self.thresholds]

    def sample(self, r: SampleRecord, readers: Sequence[AlarmPoint]) -> None:
        if self.last_look is None or r.ts - self.last_look >= VIEW_EVERY:
            self.look(r.ts)
        if not readers:
            return
        step = Step(self.view, Reading(r.ts, r.value, r.quality is Quality.GOOD))
        for p in readers:
            self.out[p.key].append(step)

    def other(self, at: datetime) -> None:
        if self.last_look is None or at - self.last_look >= VIEW_EVERY:
            self.look(at)


def batch_inputs(
    catalogue: AlarmCatalogue,
    records: Sequence[Record],
    views: dict[str, MachineView],
    in_shift: InShift,
) -> Inputs:
    """Per alarm key, its inputs from ``records``; ``views`` holds each machine before them."""
    out: Inputs = defaultdict(list)  # only Steps: every reading on its own
    machines: dict[str, _Machine] = {}
    for r in sorted(records, key=lambda r: r.ts):
        points = catalogue.by_machine.get(r.machine_id)
        if not points:
            continue
        walker = machines.get(r.machine_id)
        if walker is None:
            start = views.get(r.machine_id) or MachineView(r.ts)
            walker = machines[r.machine_id] = _Machine(points, start, in_shift, out)
        walker.catch_up(r.ts)
        if isinstance(r, StateRecord):
            walker.state(r)
        elif isinstance(r, SampleRecord):
            walker.sample(r, catalogue.by_values.get((r.machine_id, r.signal_id), ()))
        else:
            walker.other(r.ts)
    return dict(out)


class PerSample(AlarmService):
    """The service as it evaluated a batch before: one record and one step per sample."""

    store: Store  # read per machine with ``states``, as the service did

    def _decode(self, key: str, body: str) -> Tracked:
        return codec.loads(body)  # every row decoded, as before

    def _saved(self, state: AlarmStateRow, t: Tracked) -> None:
        pass

    def tick(self, now: datetime | None = None) -> int:
        """Look at every alarm at ``now``, each machine's view read on its own."""
        now = now or self.clock()
        inputs: Inputs = {}
        for machine_id, points in self.catalogue.by_machine.items():
            view = self._view(machine_id, now, before=False)
            for p in points:
                inputs[p.key] = [Step(self._with_target(p, view))]
        return self._commit_inputs(inputs)

    def _view(self, machine_id: str, at: datetime, *, before: bool) -> MachineView:
        # Per machine, an hour of state records back, then a day when the state began earlier.
        run = walked(self.store, machine_id, at, before=before)
        if run is None:
            return view_from(None, at, self.in_shift)
        return MachineView(at, run.state, run.since, run.product_id, self.in_shift(at))

    def observe(self, records: Sequence[Record]) -> int:
        """Evaluate a committed batch; return how many transitions were recorded."""
        if not self.catalogue.points or not records:
            return 0
        watched = self.catalogue.by_machine
        mine = [r for r in records if r.machine_id in watched]
        if not mine:
            return 0
        first = min(r.ts for r in mine)
        views = {m: self._view(m, first, before=True) for m in {r.machine_id for r in mine}}
        return self._commit_inputs(batch_inputs(self.catalogue, mine, views, self.in_shift))
