"""A committed batch as a timeline of inputs per alarm, in the order things happened."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from pabrik.alarms.evaluation import MachineView, Reading
from pabrik.model.records import Record, SampleRecord, StateRecord
from pabrik.model.states import Quality
from pabrik.runtime.alarms.catalogue import AlarmCatalogue, AlarmPoint

# Time conditions (long stops, idling, staleness) are looked at no more often than this
# between state changes, so a week of backfill costs seconds, not minutes.
VIEW_EVERY = timedelta(seconds=300)

InShift = Callable[[datetime], bool]
# Not behind_target: a record's view has no shift figure (only the clock's tick reads the KPI),
# so judging it here cleared the alarm at each record and the tick raised it again (chatter).
WATCHED = frozenset({"stale", "long_stop", "idle_in_shift"})
_PAST = timedelta(milliseconds=1)


@dataclass(frozen=True, slots=True)
class Step:
    """One input for one alarm: a reading (with the machine as it was) or a look at it."""

    view: MachineView
    reading: Reading | None = None


Inputs = dict[str, list[Step]]


def view_from(state: StateRecord | None, at: datetime, in_shift: InShift) -> MachineView:
    """The machine at ``at`` given the state record in force."""
    if state is None:
        return MachineView(at, in_shift=in_shift(at))
    return MachineView(at, state.state, state.ts, state.product_id, in_shift(at))


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
    out: Inputs = defaultdict(list)
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
