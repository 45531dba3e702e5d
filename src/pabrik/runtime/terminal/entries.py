"""Entries typed at a terminal become ordinary state and count records (source ``manual:{user}``).

They pass the same ingest pipeline as a connector's records (validation, dead letters, the
idempotent write), so every KPI, rollup, report and export reads them unchanged. The device
gives each entry its instant in milliseconds, strictly increasing per device: with the source
it is the record's natural key, so a resend or a double tap is stored once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import cast

from pabrik.model.errors import InvalidRequestError, NotFoundError
from pabrik.model.records import CountRecord, Record, StateRecord
from pabrik.model.site import Machine
from pabrik.model.states import StateClass
from pabrik.model.windows import named_window
from pabrik.runtime.accounts.tenancy import TenantScope
from pabrik.runtime.app import Runtime
from pabrik.storage.accounts import AccountStore, AuditLogRow, StateReasonRow
from pabrik.storage.manual import MANUAL_PREFIX, ManualStore

_MS = timedelta(milliseconds=1)


class EntryKind(StrEnum):
    """What an operator entered."""

    STATE = "state"
    COUNT = "count"
    TOTAL = "total"


class Outcome(StrEnum):
    """What became of an entry; the device forgets every entry that is not ``retry``."""

    STORED = "stored"
    ANNOTATED = "annotated"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class Entry:
    """One operator entry: a state change, a count (+N) or a typed shift total."""

    key: str
    machine_id: str
    ts: datetime
    kind: EntryKind
    state: StateClass | None = None
    reason: str | None = None
    product_id: str | None = None
    good: int | None = None
    """Units made (a count), or the shift's total so far (a total); None: no change."""
    scrap: int | None = None
    scrap_reason: str | None = None
    """Why the scrap was made: one of the site's scrap reasons for the machine and product."""


@dataclass(frozen=True, slots=True)
class EntryResult:
    """The outcome of one entry, with the rejection code when refused."""

    key: str
    outcome: Outcome
    code: str | None = None


def manual_source(actor: str) -> str:
    """The source of the records a person types in."""
    return f"{MANUAL_PREFIX}{actor}"


def is_manual(source: str) -> bool:
    """Whether a record was typed in at a terminal."""
    return source.startswith(MANUAL_PREFIX)


def manual_store(runtime: Runtime) -> ManualStore:
    """The store's terminal side (every backend implements ``ManualStore``)."""
    return runtime.store


def instant_problem(runtime: Runtime, ts: datetime) -> str | None:
    """Why an entry's instant is refused (as ingest would), or None; checked before any lookup."""
    now, limits = runtime.now(), runtime.plant.limits
    if ts - now > timedelta(seconds=limits.max_future_skew_s):
        return "clock_skew"
    if now - ts > timedelta(days=limits.max_age_days):
        return "too_old"
    return None


def check_instant(runtime: Runtime, ts: datetime) -> None:
    """Refuse an instant ingest would refuse, with InvalidRequestError."""
    problem = instant_problem(runtime, ts)
    if problem is not None:
        raise InvalidRequestError(f"the instant is refused: {problem}", reason=problem)


def machine_of(runtime: Runtime, machine_id: str) -> Machine:
    """A configured machine, or NotFoundError."""
    machine = runtime.plant.machine(machine_id)
    if machine is None:
        raise NotFoundError(f"machine '{machine_id}' not found", machine_id=machine_id)
    return machine


def state_at(runtime: Runtime, machine_id: str, ts: datetime) -> StateRecord | None:
    """The state record in force at ``ts`` (the last one at or before it)."""
    found = runtime.store.states(machine_id, ts, ts + _MS)
    before = [s for s in found if s.ts <= ts]
    return before[-1] if before else None


def _allowed_reason(runtime: Runtime, machine: Machine, entry: Entry) -> bool:
    if entry.reason is None:
        return True
    reason = runtime.plant.reason(entry.reason)
    return entry.reason in machine.reasons and reason is not None and reason.state is entry.state


def _manual_total(runtime: Runtime, machine_id: str, ts: datetime) -> tuple[int, int]:
    """Good and scrap typed in for a machine in the shift of ``ts``, up to ``ts``."""
    shift = named_window(runtime.plant.calendar, "shift", ts)
    counts = runtime.store.counts(machine_id, shift.start, ts)
    manual = [c for c in counts if is_manual(c.source)]
    return sum(c.good for c in manual), sum(c.scrap for c in manual)


def _count(runtime: Runtime, entry: Entry, source: str) -> Record | str:
    good, scrap = entry.good or 0, entry.scrap or 0
    if entry.kind is EntryKind.TOTAL:
        # A typed total is the shift's figure: store what it adds to what was typed before.
        done_good, done_scrap = _manual_total(runtime, entry.machine_id, entry.ts - _MS)
        good = 0 if entry.good is None else entry.good - done_good
        scrap = 0 if entry.scrap is None else entry.scrap - done_scrap
        if good < 0 or scrap < 0:
            return "total_below_recorded"
    product = entry.product_id
    if product is None:
        current = state_at(runtime, entry.machine_id, entry.ts)
        product = current.product_id if current else None
    if entry.scrap_reason is not None:
        allowed = runtime.plant.scrap_reasons_for(entry.machine_id, product)
        if entry.scrap_reason not in {r.id for r in allowed}:
            return "bad_scrap_reason"
    return CountRecord(source, entry.machine_id, entry.ts, good, scrap, product_id=product)


def _annotate(
    runtime: Runtime, scope: TenantScope, entry: Entry, current: StateRecord
) -> EntryResult:
    """On a machine whose states come from a connector, the operator's reason annotates its stop."""
    if entry.reason is None or current.state is StateClass.RUNNING:
        return EntryResult(entry.key, Outcome.REJECTED, "automatic_state")
    if current.state is not entry.state:
        return EntryResult(entry.key, Outcome.REJECTED, "automatic_state")
    now = runtime.now()
    row = StateReasonRow(
        entry.machine_id, current.ts, current.source, entry.reason, scope.actor, now
    )
    audit = AuditLogRow(
        scope.tenant_id,
        scope.actor,
        "stop.reason",
        f"{entry.machine_id}@{current.ts.isoformat()}/{current.source}",
        None if current.reason is None else f'"{current.reason}"',
        f'"{entry.reason}"',
        now,
    )
    cast(AccountStore, runtime.store).save_state_reason(row, audit)
    return EntryResult(entry.key, Outcome.ANNOTATED)


def _state(runtime: Runtime, scope: TenantScope, entry: Entry, source: str) -> Record | EntryResult:
    machine = machine_of(runtime, entry.machine_id)
    if entry.state is None or not _allowed_reason(runtime, machine, entry):
        return EntryResult(entry.key, Outcome.REJECTED, "bad_reason")
    current = state_at(runtime, entry.machine_id, entry.ts)
    if current is not None and not is_manual(current.source):
        return _annotate(runtime, scope, entry, current)
    product = entry.product_id or (current.product_id if current else None)
    return StateRecord(source, entry.machine_id, entry.ts, entry.state, entry.reason, product)


def record_entries(runtime: Runtime, scope: TenantScope, entries: list[Entry]) -> list[EntryResult]:
    """Store entries in order through ingest; each one's outcome, by its key."""
    source = manual_source(scope.actor)
    results: list[EntryResult] = []
    for entry in sorted(entries, key=lambda e: e.ts):
        machine_of(runtime, entry.machine_id)
        problem = instant_problem(runtime, entry.ts)
        if problem is not None:
            results.append(EntryResult(entry.key, Outcome.REJECTED, problem))
            continue
        made = (
            _state(runtime, scope, entry, source)
            if entry.kind is EntryKind.STATE
            else _count(runtime, entry, source)
        )
        if isinstance(made, EntryResult):
            results.append(made)
            continue
        if isinstance(made, str):
            results.append(EntryResult(entry.key, Outcome.REJECTED, made))
            continue
        rejected = runtime.ingestor.offer([made])
        runtime.ingestor.flush()
        code = rejected[0].code if rejected else None
        if code is None and isinstance(made, CountRecord) and entry.scrap_reason and made.scrap:
            manual_store(runtime).save_count_reason(
                made.machine_id, made.ts, made.source, entry.scrap_reason
            )
        results.append(EntryResult(entry.key, Outcome.REJECTED if code else Outcome.STORED, code))
    return results
