"""A committed batch as a timeline of inputs per alarm, in the order things happened.

Sample rows are read as they are, never as records: a machine's readings of one signal
between two looks at it become one ``Readings`` run, shared by the alarms of that signal.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from operator import itemgetter

from pabrik.alarms.evaluation import MachineView, Reading
from pabrik.alarms.runs import Readings, at_us, from_us
from pabrik.model.batch import SampleRow
from pabrik.model.records import Record, SampleRecord, StateRecord
from pabrik.model.states import Quality
from pabrik.runtime.alarms.catalogue import AlarmCatalogue, AlarmPoint, machine_watch

# Time conditions (long stops, idling, staleness) are looked at no more often than this
# between state changes, so a week of backfill costs seconds, not minutes.
VIEW_EVERY = timedelta(seconds=300)
_US = timedelta(microseconds=1)
_VIEW_EVERY_US = VIEW_EVERY // _US

InShift = Callable[[datetime], bool]
_TS = itemgetter(2)  # a sample row's instant


@dataclass(frozen=True, slots=True)
class Step:
    """One input for one alarm: a reading (with the machine as it was) or a look at it."""

    view: MachineView
    reading: Reading | None = None


Inputs = dict[str, list[Step | Readings]]


def view_from(state: StateRecord | None, at: datetime, in_shift: InShift) -> MachineView:
    """The machine at ``at`` given the state record in force."""
    if state is None:
        return MachineView(at, in_shift=in_shift(at))
    return MachineView(at, state.state, state.ts, state.product_id, in_shift(at))


class _Machine:
    """Walks one machine's records and rows in time order and hands out inputs to its alarms."""

    def __init__(
        self,
        catalogue: AlarmCatalogue,
        machine_id: str,
        view: MachineView,
        in_shift: InShift,
        out: Inputs,
    ) -> None:
        points = catalogue.by_machine[machine_id]
        self.points = points
        watch = catalogue.watch.get(machine_id) or machine_watch(points)
        self.watchers = watch.watchers
        self.machine_id = machine_id
        self.by_values = catalogue.by_values
        self.readers: dict[str, Sequence[AlarmPoint]] = {}
        self.view = view
        self.in_shift = in_shift
        self.out = out
        self.last_look: int | None = None
        self.thresholds = watch.thresholds_us
        self.due: list[int] = []
        self.runs: dict[str, Readings] = {}

    def catch_up(self, us: int) -> None:
        """Look at every threshold crossing before ``us``."""
        while self.due and self.due[0] < us:
            due = self.due.pop(0)
            self.look(from_us(due), due)

    def look(self, at: datetime, us: int, *, everyone: bool = False) -> None:
        self.view = replace(self.view, at=at, in_shift=self.in_shift(at))
        self.runs = {}  # readings after a look see the new view
        for p in self.points if everyone else self.watchers:
            self.out[p.key].append(Step(self.view))
        self.last_look = us

    def state(self, r: StateRecord, us: int) -> None:
        # The old state first, so a long stop that ends in this batch is still seen.
        self.look(r.ts, us)
        changed = r.state != self.view.state
        since = r.ts if changed or self.view.state_since is None else self.view.state_since
        self.view = replace(self.view, state=r.state, state_since=since, product=r.product_id)
        self.look(r.ts, us, everyone=True)
        if changed:
            self.due = [us + t for t in self.thresholds]

    def sample(self, at: datetime | None, us: int, signal: str, value: float, good: bool) -> None:
        if self.last_look is None or us - self.last_look >= _VIEW_EVERY_US:
            self.look(from_us(us) if at is None else at, us)
        readers = self.readers.get(signal)
        if readers is None:
            readers = self.readers[signal] = self.by_values.get((self.machine_id, signal), ())
        if not readers:
            return
        run = self.runs.get(signal)
        if run is None:
            run = self.runs[signal] = Readings(self.view)
            for p in readers:
                self.out[p.key].append(run)
        run.at_us.append(us)
        run.values.append(value)
        run.good.append(good)

    def other(self, at: datetime, us: int) -> None:
        if self.last_look is None or us - self.last_look >= _VIEW_EVERY_US:
            self.look(at, us)

    def record(self, r: Record, us: int) -> None:
        self.catch_up(us)
        if isinstance(r, StateRecord):
            self.state(r, us)
        elif isinstance(r, SampleRecord):
            self.sample(r.ts, us, r.signal_id, r.value, r.quality is Quality.GOOD)
        else:
            self.other(r.ts, us)

    def walk(self, records: list[tuple[int, Record]], rows: list[SampleRow]) -> None:
        """Records and rows by time; at one instant records first, as the batch lists them."""
        if not records and rows and (rows[-1][2] - rows[0][2]) * 1000 < _VIEW_EVERY_US:
            self.rows_only(rows)
            return
        k, n = 0, len(records)
        for row in rows:
            us = row[2] * 1000
            while k < n and records[k][0] <= us:
                self.record(records[k][1], records[k][0])
                k += 1
            if self.due and self.due[0] < us:
                self.catch_up(us)
            self.sample(None, us, row[1], row[4], row[5] == Quality.GOOD)
        for rec_us, r in records[k:]:
            self.record(r, rec_us)

    def rows_only(self, rows: list[SampleRow]) -> None:
        """What ``walk`` does with rows alone that need a single look: one run per signal."""
        # No record, so no state change and nothing due; no second look, as the rows span
        # less than VIEW_EVERY. So every row of a signal lands in that signal's one run,
        # the runs made in the order their signals first come, as ``sample`` makes them.
        first = rows[0][2] * 1000
        self.look(from_us(first), first)
        by_signal: dict[str, list[SampleRow]] = {}
        for row in rows:
            group = by_signal.get(row[1])
            if group is None:
                by_signal[row[1]] = [row]
            else:
                group.append(row)
        good = Quality.GOOD
        for signal, group in by_signal.items():
            readers = self.by_values.get((self.machine_id, signal), ())
            if not readers:
                continue
            run = Readings(
                self.view,
                [row[2] * 1000 for row in group],
                [row[4] for row in group],
                [row[5] == good for row in group],
            )
            self.runs[signal] = run
            for p in readers:
                self.out[p.key].append(run)


def batch_inputs(
    catalogue: AlarmCatalogue,
    records: Sequence[Record],
    rows: Sequence[SampleRow],
    views: dict[str, MachineView],
    in_shift: InShift,
) -> Inputs:
    """Per alarm key, its inputs from ``records`` then ``rows`` (a batch's two parts).

    ``views`` holds each machine before them. Machines are independent, so each is walked
    on its own in time order; that is the batch's time order for every alarm.
    """
    watched = catalogue.by_machine
    by_records: dict[str, list[tuple[int, Record]]] = defaultdict(list)
    for r in records:
        if r.machine_id in watched:
            by_records[r.machine_id].append((at_us(r.ts), r))
    by_rows: dict[str, list[SampleRow]] = defaultdict(list)
    for row in rows:
        if row[0] in watched:
            by_rows[row[0]].append(row)
    out: Inputs = defaultdict(list)
    for machine_id in by_records.keys() | by_rows.keys():
        mine = by_records.get(machine_id, [])
        mine.sort(key=_first)
        mine_rows = by_rows.get(machine_id, [])
        mine_rows.sort(key=_TS)
        first = min(
            ([mine[0][0]] if mine else []) + ([mine_rows[0][2] * 1000] if mine_rows else [])
        )
        start = views.get(machine_id) or MachineView(from_us(first))
        _Machine(catalogue, machine_id, start, in_shift, out).walk(mine, mine_rows)
    return dict(out)


def _first(item: tuple[int, Record]) -> int:
    return item[0]
