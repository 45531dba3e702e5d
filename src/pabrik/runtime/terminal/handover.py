"""Shift handover notes written at the terminal, kept once per device key."""

from __future__ import annotations

from datetime import datetime

from pabrik.model.errors import InvalidRequestError, NotFoundError
from pabrik.model.windows import named_window
from pabrik.runtime.accounts.tenancy import TenantScope
from pabrik.runtime.app import Runtime
from pabrik.runtime.terminal.entries import check_instant, manual_store
from pabrik.storage.manual import HandoverRow

MAX_NOTE = 2000


def write_handover(
    runtime: Runtime, scope: TenantScope, scope_id: str, key: str, text: str, ts: datetime
) -> bool:
    """Keep a note for a machine or line in the shift of ``ts``; False for a resent key."""
    known = {m.id for m in runtime.plant.machines()} | {ln.id for ln in runtime.plant.lines()}
    if scope_id not in known:
        raise NotFoundError(f"no machine or line '{scope_id}'", scope=scope_id[:64])
    body = text.strip()
    if not body or len(body) > MAX_NOTE:
        raise InvalidRequestError("a note has 1 to 2000 characters", reason="bad_note")
    check_instant(runtime, ts)
    shift = named_window(runtime.plant.calendar, "shift", ts)
    row = HandoverRow(
        f"{scope.actor}:{key}", scope_id, shift.start.isoformat(), body, scope.actor, ts
    )
    return manual_store(runtime).save_handover(row)
