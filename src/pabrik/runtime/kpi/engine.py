"""The KPI engine: time accounts of machines and scopes over any window, through rollups.

A window [S, E) of one machine is cut at whole UTC hours: the whole hours come from the
per-hour rollups (summed in the store), the partial edges are computed from raw records.
Hours that have no valid rollup (never rolled up, or marked dirty by a write) are claimed,
computed from raw with the same pure `account_buckets` code, used at once, and saved when
they lie wholly in the past and no write reached them since the claim (writes to other
hours do not matter). So a rollup result equals the raw result by construction, also when
data arrives late or out of order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import TYPE_CHECKING

from pabrik.kpi.account import TimeAccount, sum_accounts, zero_account
from pabrik.kpi.orders import OrderSpan, order_spans
from pabrik.kpi.rules import TimeRules, rules_of
from pabrik.kpi.timemodel import account_buckets
from pabrik.model.calendar import Interval, ShiftInstance, holiday_dates, shift_instances
from pabrik.model.errors import InvalidRequestError, NotFoundError
from pabrik.model.records import CountRecord, StateRecord, from_epoch_ms, to_epoch_ms
from pabrik.model.site import Machine, Plant
from pabrik.model.states import Quality
from pabrik.runtime.ingest.pipeline import Clock
from pabrik.runtime.kpi.data import kpi_catalogue, shipped_holidays
from pabrik.runtime.kpi.reuse import Reuse
from pabrik.runtime.kpi.rollups import downtime_sum, from_sum, rollup_config, row_sum, to_row
from pabrik.storage.rollups import (
    HOUR_MS,
    MINUTE_MS,
    RollupRow,
    RollupStore,
    RollupSum,
)
from pabrik.storage.store import Store

if TYPE_CHECKING:
    from pabrik.runtime.kpi.measure import Measurement

CHUNK_HOURS = 24 * 7
SHIFT_CACHE = 4096
"""Hours computed from raw in one fetch when filling rollups."""


@dataclass(frozen=True, slots=True)
class Fetched:
    """Raw records of one machine around a span, enough for every bucket inside it."""

    shifts: list[ShiftInstance]
    states: list[StateRecord]
    counts: list[CountRecord]
    energy: list[tuple[datetime, float]]


@dataclass(slots=True)
class QueryStats:
    """Where a query's numbers came from, for tests and the benchmark."""

    rollup_hours: int = 0
    raw_hours: int = 0
    raw_edges: int = 0
    saved_hours: int = 0
    unsaved_fills: int = 0


class KpiEngine:
    """KPI time accounts for one plant and store, with rollups maintained on the side."""

    def __init__(
        self,
        plant: Plant,
        store: Store,
        clock: Clock,
        *,
        reuse_s: float = 0.0,
        version: Callable[[], int] = lambda: 0,
    ) -> None:
        self.plant = plant
        self.store = store
        self.clock = clock
        self.rules: TimeRules = rules_of(plant)
        self.holidays: frozenset[date] = holiday_dates(
            plant.calendar, shipped_holidays(plant.calendar.holidays.country)
        )
        self.catalogue = kpi_catalogue()
        self.stats = QueryStats()
        self.rollups: RollupStore | None = store if isinstance(store, RollupStore) else None
        self._orders = {m.id: order_spans(plant.orders, m.id) for m in plant.machines()}
        self._configured = False
        self._shift_cache: dict[tuple[str, datetime, datetime], list[ShiftInstance]] = {}
        self.measured: Reuse[dict[str, Measurement]] = Reuse(reuse_s)
        """Recent measurements, reused while the clock moves less than ``reuse_s``."""
        self.version = version
        """Counts the writes this process has made, so a write at a standing clock is seen."""

    # -- configuration ---------------------------------------------------------------

    def ensure_rollup_config(self) -> list[str]:
        """Drop the rollups of machines whose configuration changed; return their ids."""
        if self._configured or self.rollups is None:
            return []
        stored = self.rollups.rollup_configs()
        reset = []
        for m in self.plant.machines():
            wanted = rollup_config(self.plant, m.id, self.rules, self.holidays)
            if stored.get(m.id) != wanted:
                self.rollups.reset_rollups(m.id, wanted)
                reset.append(m.id)
        self._configured = True
        return reset

    def orders(self, machine_id: str) -> Sequence[OrderSpan]:
        """The configured orders of a machine."""
        return self._orders.get(machine_id, ())

    def shifts(self, machine: Machine, start: datetime, end: datetime) -> list[ShiftInstance]:
        """Shift instances of a machine's line, holidays removed (cached per line and span)."""
        line = self.plant.line_of(machine.id)
        key = (line.id if line else "", start, end)
        found = self._shift_cache.get(key)
        if found is None:
            found = list(
                shift_instances(
                    self.plant.calendar,
                    start,
                    end,
                    holidays=self.holidays,
                    line=line.calendar if line else None,
                )
            )
            if len(self._shift_cache) > SHIFT_CACHE:
                self._shift_cache.clear()
            self._shift_cache[key] = found
        return found

    # -- raw ---------------------------------------------------------------------------

    def fetch(self, machine: Machine, start_ms: int, end_ms: int) -> Fetched:
        """Raw records reaching far enough around [start, end) for every rule (see timemodel)."""
        r = self.rules
        hist = r.history_ms
        states = self.store.states(
            machine.id, from_epoch_ms(start_ms - hist), from_epoch_ms(end_ms + hist)
        )
        if r.debounce_ms and states:
            first = states[0].ts
            before = [s for s in self.store.states(machine.id, first, first) if s.ts < first]
            states = before[-1:] + states
        p = r.count_period_ms
        lo, hi = from_epoch_ms(start_ms - p), from_epoch_ms(end_ms + p)
        energy: list[tuple[datetime, float]] = []
        if machine.energy_signal:
            samples = self.store.meter_readings(
                machine.id,
                machine.energy_signal,
                from_epoch_ms(start_ms),
                from_epoch_ms(end_ms),
                r.energy_gap_ms,
            )
            energy = [(s.ts, s.value) for s in samples if s.quality is not Quality.BAD]
        return Fetched(
            self.shifts(machine, lo, hi), states, self.store.counts(machine.id, lo, hi), energy
        )

    def raw(self, machine: Machine, buckets: Sequence[tuple[int, int]]) -> list[TimeAccount]:
        """Accounts of buckets (sorted, disjoint, epoch ms) straight from raw records."""
        if not buckets:
            return []
        data = self.fetch(machine, buckets[0][0], buckets[-1][1])
        return account_buckets(
            [Interval(from_epoch_ms(s), from_epoch_ms(e)) for s, e in buckets],
            data.shifts,
            data.states,
            data.counts,
            machine,
            rules=self.rules,
            orders=self.orders(machine.id),
            energy=data.energy,
        )

    def raw_account(self, machine: Machine, start: datetime, end: datetime) -> TimeAccount:
        """One machine over [start, end) from raw records only (the reference path)."""
        return self.raw(machine, [(to_epoch_ms(start), to_epoch_ms(end))])[0]

    # -- through rollups ---------------------------------------------------------------

    def account(self, machine: Machine, start: datetime, end: datetime) -> TimeAccount:
        """One machine over [start, end): whole hours from rollups, edges from raw."""
        return self.accounts([machine], start, end)[machine.id]

    def accounts(
        self,
        machines: Sequence[Machine],
        start: datetime,
        end: datetime,
        *,
        detail: bool = True,
        edges: dict[tuple[str, int, int], TimeAccount] | None = None,
    ) -> dict[str, TimeAccount]:
        """Each machine's account over [start, end), through rollups where they help.

        With ``detail=False`` the downtime by reason is left out (empty), which spares the
        store a sum over every reason of every hour: KPI values do not need it. ``edges``
        keeps the raw partial hours for further calls at the same instant (see ``_edge``).
        """
        self.ensure_rollup_config()
        s, e = to_epoch_ms(start), to_epoch_ms(end)
        if e < s:
            raise InvalidRequestError(
                "the window must end after it starts", start=start.isoformat(), end=end.isoformat()
            )
        # Time after now is never planned or run time: it has not happened yet.
        e = max(s, min(e, to_epoch_ms(self.clock())))
        h0, h1 = -(-s // HOUR_MS) * HOUR_MS, e - e % HOUR_MS
        if h1 - h0 < HOUR_MS or self.rollups is None:
            # Early in a shift that began with the day, both windows are this one raw span.
            return {m.id: self._edge(m, s, e, edges) for m in machines}
        # Only hours wholly in the past are kept; later ones are computed each time.
        now = to_epoch_ms(self.clock())
        kept_end = max(h0, min(h1, now - now % HOUR_MS))
        totals = self._rolled(machines, h0, kept_end, detail=detail)
        out: dict[str, TimeAccount] = {}
        for m in machines:
            parts = [totals[m.id]]
            for lo, hi in ((s, h0), (kept_end, h1), (h1, e)):
                if lo < hi:
                    parts.append(self._edge(m, lo, hi, edges))
            total = sum_accounts(parts)
            out[m.id] = total if detail else replace(total, downtime_ms={})
        return out

    def _edge(
        self,
        machine: Machine,
        lo: int,
        hi: int,
        edges: dict[tuple[str, int, int], TimeAccount] | None,
    ) -> TimeAccount:
        """A partial hour from raw, once per ``edges``: windows that end at one instant share it."""
        key = (machine.id, lo, hi)
        found = None if edges is None else edges.get(key)
        if found is None:
            found = self.raw(machine, [(lo, hi)])[0]
            self.stats.raw_edges += 1
            if edges is not None:
                edges[key] = found
        return found

    def _rolled(
        self, machines: Sequence[Machine], h0: int, h1: int, *, detail: bool = True
    ) -> dict[str, TimeAccount]:
        """Whole hours [h0, h1): valid rollups summed in the store, the others from raw."""
        store = self.rollups
        assert store is not None
        ids = [m.id for m in machines]
        sums = store.rollup_sums(ids, h0, h1, "hour") if h0 < h1 else {}
        downtime = store.rollup_downtime(ids, h0, h1) if sums and detail else {}
        wanted = (h1 - h0) // HOUR_MS
        by_machine: dict[str, dict[tuple[str, str], int]] = {}
        for (mid, state, reason), ms in downtime.items():
            by_machine.setdefault(mid, {})[(state, reason)] = ms
        out: dict[str, TimeAccount] = {}
        for m in machines:
            got = sums.get(m.id, RollupSum(0, ()))
            reasons = by_machine.get(m.id, {})
            parts = [from_sum(got, reasons, self.rules)] if got.buckets else [self.zero()]
            self.stats.rollup_hours += got.buckets
            if got.buckets < wanted:
                valid = set(store.rollup_starts(m.id, h0, h1, "hour"))
                missing = [h for h in range(h0, h1, HOUR_MS) if h not in valid]
                parts.append(self._filled_total(m, missing))
            out[m.id] = sum_accounts(parts)
        return out

    def zero(self) -> TimeAccount:
        """An empty account under the plant's rules."""
        return zero_account(self.rules.micro_stop_ms, self.rules.debounce_ms)

    def _filled_total(self, machine: Machine, hours: Sequence[int]) -> TimeAccount:
        """The sum of hours computed from raw (and saved); summed as integers when it can."""
        accounts, rows = self._fill(machine, hours)
        if not accounts:
            return self.zero()
        if len(rows) < len(accounts):
            return sum_accounts(accounts.values())
        return from_sum(row_sum(rows), downtime_sum(rows), self.rules)

    def _fill(
        self, machine: Machine, hours: Sequence[int]
    ) -> tuple[dict[int, TimeAccount], list[RollupRow]]:
        """Claim whole hours, compute them from raw, save them (and recent minutes)."""
        store = self.rollups
        assert store is not None
        out: dict[int, TimeAccount] = {}
        all_rows: list[RollupRow] = []
        minute_from = to_epoch_ms(self.clock()) - int(
            self.plant.kpi.minute_rollup_days * 86_400_000
        )
        for run in _runs(hours):
            # Claimed before the raw read: a write landing in these hours from now on
            # moves their generation, and the save below leaves them dirty.
            claims = store.claim_hours([(machine.id, h) for h in run])
            accs = self.raw(machine, [(h, h + HOUR_MS) for h in run])
            rows: list[RollupRow] = []
            for h, acc in zip(run, accs, strict=True):
                out[h] = acc
                row = to_row(machine.id, h, acc)
                if row is not None:
                    rows.append(row)
            self.stats.raw_hours += len(run)
            all_rows += rows
            recent = [h for h in run if h >= minute_from]
            minutes = self._minutes(machine, recent) if recent else []
            skipped = store.save_rollups(rows, minutes, claims)
            self.stats.saved_hours += sum(
                1 for r in rows if (r.machine_id, r.start_ms) not in skipped
            )
            if skipped:
                self.stats.unsaved_fills += 1
        return out, all_rows

    def _minutes(self, machine: Machine, hours: Sequence[int]) -> list[RollupRow]:
        rows = []
        for run in _runs(hours):
            buckets = [(h + i * MINUTE_MS, h + (i + 1) * MINUTE_MS) for h in run for i in range(60)]
            for (start, _), acc in zip(buckets, self.raw(machine, buckets), strict=True):
                row = to_row(machine.id, start, acc)
                if row is not None:
                    rows.append(row)
        return rows

    def refresh(self, until: datetime | None = None) -> int:
        """Recompute every dirty hour before ``until`` (default now); return hours saved."""
        self.ensure_rollup_config()
        if self.rollups is None:
            return 0
        now = to_epoch_ms(until or self.clock())
        end = now - now % HOUR_MS
        dirty: dict[str, list[int]] = {}
        for machine_id, hour in self.rollups.dirty_hours(None, 0, end):
            dirty.setdefault(machine_id, []).append(hour)
        before = self.stats.saved_hours
        for machine_id, hours in dirty.items():
            machine = self.plant.machine(machine_id)
            if machine is not None:
                self._fill(machine, hours)
        return self.stats.saved_hours - before

    def fill_missing(self, machine: Machine, start: datetime, end: datetime) -> int:
        """Compute and save the past whole hours of [start, end) lacking a rollup; count them."""
        self.ensure_rollup_config()
        s, e = to_epoch_ms(start), min(to_epoch_ms(end), to_epoch_ms(self.clock()))
        h0, h1 = -(-s // HOUR_MS) * HOUR_MS, e - e % HOUR_MS
        if self.rollups is None or h0 >= h1:
            return 0
        valid = set(self.rollups.rollup_starts(machine.id, h0, h1, "hour"))
        missing = [h for h in range(h0, h1, HOUR_MS) if h not in valid]
        self._fill(machine, missing)
        return len(missing)

    def build(self, start: datetime, end: datetime) -> int:
        """Roll up every whole past hour in [start, end) that has no valid rollup yet."""
        before = self.stats.saved_hours
        self.accounts(self.plant.machines(), start, end)
        return self.stats.saved_hours - before

    # -- scopes ------------------------------------------------------------------------

    def machines(self, scope: str) -> list[Machine]:
        """The machines of a scope: a machine id, a line id, an area id, or ``plant``."""
        if scope == "plant":
            return self.plant.machines()
        machine = self.plant.machine(scope)
        if machine is not None:
            return [machine]
        line = next((ln for ln in self.plant.lines() if ln.id == scope), None)
        if line is not None:
            return list(line.machines)
        area = next((a for a in self.plant.areas if a.id == scope), None)
        if area is not None:
            return [m for ln in area.lines for m in ln.machines]
        raise NotFoundError(f"no machine, line or area '{scope}'", scope=scope[:64])


def _runs(hours: Sequence[int]) -> Iterator[list[int]]:
    """Consecutive hours grouped, at most CHUNK_HOURS per group."""
    run: list[int] = []
    for h in sorted(hours):
        if run and (h != run[-1] + HOUR_MS or len(run) >= CHUNK_HOURS):
            yield run
            run = []
        run.append(h)
    if run:
        yield run
