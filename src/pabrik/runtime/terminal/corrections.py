"""A supervisor corrects a manual entry within the correction window; audited, rollups follow."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from pabrik.model.errors import InvalidRequestError, NotFoundError
from pabrik.model.records import CountRecord, StateRecord
from pabrik.model.states import StateClass
from pabrik.runtime.accounts.tenancy import TenantScope
from pabrik.runtime.app import Runtime
from pabrik.runtime.terminal.entries import check_instant, is_manual, machine_of, manual_store
from pabrik.storage.accounts import AuditLogRow

_MS = timedelta(milliseconds=1)
LISTED = 100


@dataclass(frozen=True, slots=True)
class ManualRecords:
    """A machine's manual records still inside the correction window, newest first."""

    states: list[StateRecord]
    counts: list[CountRecord]
    since: datetime


def _window_start(runtime: Runtime) -> datetime:
    return runtime.now() - timedelta(hours=runtime.settings.correction_window_h)


def correctable(runtime: Runtime, machine_id: str) -> ManualRecords:
    """The manual records of a machine a supervisor may still correct."""
    machine_of(runtime, machine_id)
    # Up to the future skew ingest accepts: a tablet's clock may run a little ahead.
    skew = timedelta(seconds=runtime.plant.limits.max_future_skew_s)
    start, end = _window_start(runtime), runtime.now() + skew
    states = [
        s
        for s in runtime.store.states(machine_id, start, end)
        if is_manual(s.source) and start <= s.ts < end
    ]
    counts = [c for c in runtime.store.counts(machine_id, start, end) if is_manual(c.source)]
    return ManualRecords(states[::-1][:LISTED], counts[::-1][:LISTED], start)


def _check_window(runtime: Runtime, source: str, ts: datetime) -> None:
    check_instant(runtime, ts)
    if not is_manual(source):
        raise InvalidRequestError("only manual entries are corrected", reason="not_manual")
    if ts < _window_start(runtime):
        raise InvalidRequestError("the correction window has passed", reason="window_passed")


def _audit(
    scope: TenantScope, subject: str, before: object, after: object, at: datetime
) -> AuditLogRow:
    return AuditLogRow(
        scope.tenant_id,
        scope.actor,
        "terminal.correct",
        subject,
        json.dumps(before, sort_keys=True),
        json.dumps(after, sort_keys=True),
        at,
    )


def correct_count(
    runtime: Runtime,
    scope: TenantScope,
    machine_id: str,
    ts: datetime,
    source: str,
    good: int,
    scrap: int,
) -> None:
    """Set a manual count's good and scrap, with the values before and after in the audit log."""
    _check_window(runtime, source, ts)
    if good < 0 or scrap < 0:
        raise InvalidRequestError("counts are never negative", reason="bad_count")
    found = [c for c in runtime.store.counts(machine_id, ts - _MS, ts) if c.source == source]
    if not found:
        raise NotFoundError("entry not found", machine_id=machine_id)
    before = {"good": found[0].good, "scrap": found[0].scrap}
    subject = f"{machine_id}@{ts.isoformat()}/{source}"
    audit = _audit(scope, subject, before, {"good": good, "scrap": scrap}, runtime.now())
    if not manual_store(runtime).correct_count(machine_id, ts, source, good, scrap, audit):
        raise NotFoundError("entry not found", machine_id=machine_id)


def correct_state(
    runtime: Runtime,
    scope: TenantScope,
    machine_id: str,
    ts: datetime,
    source: str,
    state: StateClass,
    reason: str | None,
) -> None:
    """Set a manual state's class and reason from the machine's list, audited before/after."""
    _check_window(runtime, source, ts)
    machine = machine_of(runtime, machine_id)
    known = runtime.plant.reason(reason) if reason else None
    if reason is not None and (
        known is None or reason not in machine.reasons or known.state is not state
    ):
        raise InvalidRequestError(
            f"'{reason}' is not a reason for {state.value}", reason="bad_reason"
        )
    found = [
        s
        for s in runtime.store.states(machine_id, ts, ts + _MS)
        if s.ts == ts and s.source == source
    ]
    if not found:
        raise NotFoundError("entry not found", machine_id=machine_id)
    before = {"state": found[0].state.value, "reason": found[0].reason}
    after = {"state": state.value, "reason": reason}
    subject = f"{machine_id}@{ts.isoformat()}/{source}"
    audit = _audit(scope, subject, before, after, runtime.now())
    if not manual_store(runtime).correct_state(machine_id, ts, source, state.value, reason, audit):
        raise NotFoundError("entry not found", machine_id=machine_id)
