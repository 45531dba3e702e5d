"""Operator input: give a reason to a stop from the machine's configured list.

The reason is kept beside the raw state record (same natural key), never written into it:
ingest stays idempotent, a replay cannot undo the operator, and the raw value stays for audit.
The store applies it when it returns states, so every KPI and Pareto uses it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from pabrik.model.equipment import DowntimeReason
from pabrik.model.errors import InvalidRequestError, NotFoundError
from pabrik.model.records import StateRecord
from pabrik.model.site import Machine
from pabrik.model.states import StateClass
from pabrik.runtime.accounts.tenancy import TenantScope
from pabrik.runtime.app import Runtime
from pabrik.storage.accounts import AccountStore, AuditLogRow, StateReasonRow

RECENT = timedelta(days=7)
MAX_STOPS = 200
STOPS_PER_PAGE = 25
_MS = timedelta(milliseconds=1)


@dataclass(frozen=True, slots=True)
class StopView:
    """One stop with its current reason and who gave it."""

    machine_id: str
    ts: datetime
    source: str
    state: StateClass
    reason: str | None
    duration_s: float | None
    entered_by: str | None


def _store(runtime: Runtime) -> AccountStore:
    return runtime.store


def _machine(runtime: Runtime, machine_id: str) -> Machine:
    machine = runtime.plant.machine(machine_id)
    if machine is None:
        raise NotFoundError(f"machine '{machine_id}' not found", machine_id=machine_id)
    return machine


def reasons_for(runtime: Runtime, machine_id: str, state: StateClass) -> list[DowntimeReason]:
    """The reasons configured for a machine that fit a state class."""
    machine = _machine(runtime, machine_id)
    found = (runtime.plant.reason(r) for r in machine.reasons)
    return [r for r in found if r is not None and r.state is state]


def recent_stops(runtime: Runtime, machine_id: str, now: datetime | None = None) -> list[StopView]:
    """A machine's stops of the last week, newest first, unexplained ones flagged by no reason."""
    return _week_stops(runtime, machine_id, now)[:MAX_STOPS]


def is_micro_stop(runtime: Runtime, stop: StopView) -> bool:
    """An ended unplanned stop shorter than ``limits.micro_stop_s`` (the KPI's threshold)."""
    if stop.state is not StateClass.UNPLANNED_STOP or stop.duration_s is None:
        return False
    return stop.duration_s < runtime.plant.limits.micro_stop_s


@dataclass(frozen=True, slots=True)
class StopsPage:
    """One page of a machine's stops of the week, micro-stops counted apart."""

    stops: list[StopView]
    page: int
    pages: int
    total: int
    micro_count: int
    micro_s: float
    micro: bool
    """Whether this page lists the micro-stops instead of the longer stops."""


def stops_page(
    runtime: Runtime, machine_id: str, page: int = 1, *, micro: bool = False
) -> StopsPage:
    """Page ``page`` (from 1) of the week's longer stops, or of its micro-stops."""
    week = _week_stops(runtime, machine_id, None)
    small = [s for s in week if is_micro_stop(runtime, s)]
    shown = small if micro else [s for s in week if not is_micro_stop(runtime, s)]
    pages = max(1, -(-len(shown) // STOPS_PER_PAGE))
    page = min(max(page, 1), pages)
    rows = shown[(page - 1) * STOPS_PER_PAGE : page * STOPS_PER_PAGE]
    micro_s = sum(s.duration_s or 0 for s in small)
    return StopsPage(rows, page, pages, len(shown), len(small), micro_s, micro)


def _week_stops(runtime: Runtime, machine_id: str, now: datetime | None) -> list[StopView]:
    _machine(runtime, machine_id)
    end = now or runtime.now()
    start = end - RECENT
    states = [s for s in runtime.store.states(machine_id, start, end) if start <= s.ts < end]
    entered = {
        (r.ts, r.source): r.entered_by
        for r in _store(runtime).state_reasons(machine_id, start, end)
    }
    stops: list[StopView] = []
    for i, s in enumerate(states):
        if s.state is StateClass.RUNNING:
            continue
        following = states[i + 1].ts if i + 1 < len(states) else None
        duration = (following - s.ts).total_seconds() if following else None
        by = entered.get((s.ts, s.source))
        stops.append(StopView(machine_id, s.ts, s.source, s.state, s.reason, duration, by))
    return list(reversed(stops))


def _record(runtime: Runtime, machine_id: str, ts: datetime, source: str) -> StateRecord:
    for s in runtime.store.states(machine_id, ts, ts + _MS):
        if s.ts == ts and s.source == source:
            return s
    raise NotFoundError("stop not found", machine_id=machine_id)


def assign_reason(
    runtime: Runtime, scope: TenantScope, machine_id: str, ts: datetime, source: str, reason: str
) -> StopView:
    """Give a stop a reason from the machine's list; the change is audited with before/after."""
    _machine(runtime, machine_id)
    record = _record(runtime, machine_id, ts, source)
    if record.state is StateClass.RUNNING:
        raise InvalidRequestError("only stops take a reason", reason="not_a_stop")
    allowed = {r.id for r in reasons_for(runtime, machine_id, record.state)}
    if reason not in allowed:
        raise InvalidRequestError(
            f"'{reason}' is not a reason of this machine for {record.state.value}",
            reason="bad_reason",
        )
    now = runtime.now()
    row = StateReasonRow(machine_id, ts, source, reason, scope.actor, now)
    subject = f"{machine_id}@{ts.isoformat()}/{source}"
    audit = AuditLogRow(
        scope.tenant_id,
        scope.actor,
        "stop.reason",
        subject,
        None if record.reason is None else f'"{record.reason}"',
        f'"{reason}"',
        now,
    )
    _store(runtime).save_state_reason(row, audit)
    return StopView(machine_id, ts, source, record.state, reason, None, scope.actor)
