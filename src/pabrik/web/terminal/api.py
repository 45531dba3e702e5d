"""The terminal's JSON API: entries (batched, idempotent), handover notes and corrections."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from pabrik.runtime.terminal.corrections import correct_count, correct_state
from pabrik.runtime.terminal.entries import record_entries
from pabrik.runtime.terminal.handover import write_handover
from pabrik.web.auth import ScopeDep
from pabrik.web.deps import RuntimeDep, parse_instant
from pabrik.web.schemas import ErrorPublic
from pabrik.web.terminal.schemas import CountFix, EntriesIn, EntryOut, HandoverIn, StateFix

api = APIRouter(
    prefix="/api/v1/terminal",
    tags=["operator terminal"],
    responses={
        404: {"model": ErrorPublic, "description": "Unknown machine, line or entry"},
        422: {"model": ErrorPublic, "description": "An entry or correction not allowed"},
    },
)


class Saved(BaseModel):
    """Whether a note was new (False: the same key was already kept)."""

    saved: bool


@api.post("/entries", summary="Record operator entries")
def post_entries(runtime: RuntimeDep, scope: ScopeDep, body: EntriesIn) -> list[EntryOut]:
    """States and counts typed at a terminal, stored as ``manual:{user}`` records, once per key."""
    entries = [e.entry() for e in body.entries]
    return [EntryOut.of(r) for r in record_entries(runtime, scope, entries)]


@api.post("/handover", summary="Write a shift handover note")
def post_handover(runtime: RuntimeDep, scope: ScopeDep, body: HandoverIn) -> Saved:
    """A note for the next shift, kept once per device key."""
    ts = parse_instant(body.ts, "ts")
    return Saved(saved=write_handover(runtime, scope, body.scope_id, body.key, body.text, ts))


@api.put("/corrections/count", summary="Correct a manual count")
def put_count_fix(runtime: RuntimeDep, scope: ScopeDep, body: CountFix) -> Saved:
    """A supervisor sets good and scrap of a manual count inside the correction window."""
    ts = parse_instant(body.ts, "ts")
    correct_count(runtime, scope, body.machine_id, ts, body.source, body.good, body.scrap)
    return Saved(saved=True)


@api.put("/corrections/state", summary="Correct a manual state")
def put_state_fix(runtime: RuntimeDep, scope: ScopeDep, body: StateFix) -> Saved:
    """A supervisor sets the state class and reason of a manual state inside the window."""
    ts = parse_instant(body.ts, "ts")
    reason = body.reason or None
    correct_state(runtime, scope, body.machine_id, ts, body.source, body.state, reason)
    return Saved(saved=True)
