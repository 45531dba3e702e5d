"""The alarms in the JSON API: the list, history, and acknowledging and shelving."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from pabrik.alarms.states import Acknowledge, Shelve
from pabrik.runtime.alarms import queries
from pabrik.runtime.alarms.queries import AlarmView, TransitionView
from pabrik.web.auth import ScopeDep
from pabrik.web.deps import FromQ, RuntimeDep, ToQ, parse_instant
from pabrik.web.schemas import ErrorPublic

api = APIRouter(
    prefix="/api/v1",
    tags=["alarms"],
    responses={404: {"model": ErrorPublic, "description": "Unknown alarm"}},
)


class AlarmPublic(BaseModel):
    """One alarm: where, how urgent, what it shows, and any shelf."""

    key: str
    definition_id: str
    machine_id: str
    position: str
    kind: str
    priority: str
    state: str
    message_id: str
    message_en: str | None
    since: datetime | None
    value: float | None
    shelved_by: str | None
    shelved_until: datetime | None
    shelve_reason: str | None

    @classmethod
    def of(cls, a: AlarmView) -> AlarmPublic:
        """From the read model."""
        shelf = a.shelf
        return cls(
            key=a.key, definition_id=a.definition_id, machine_id=a.machine_id,
            position=a.position, kind=a.kind, priority=a.priority.value, state=a.state.value,
            message_id=a.message.id, message_en=a.message.en, since=a.since, value=a.value,
            shelved_by=shelf.by if shelf else None, shelved_until=shelf.until if shelf else None,
            shelve_reason=shelf.reason if shelf else None,
        )  # fmt: skip


class TransitionPublic(BaseModel):
    """One recorded change of an alarm."""

    key: str
    at: datetime
    event: str
    before: str
    after: str
    priority: str
    actor: str | None
    comment: str | None
    value: float | None
    occurrence: bool

    @classmethod
    def of(cls, r: TransitionView) -> TransitionPublic:
        """From the read model."""
        return cls(
            key=r.key, at=r.at, event=r.event, before=r.before, after=r.after,
            priority=r.priority, actor=r.actor, comment=r.comment, value=r.value,
            occurrence=r.occurrence,
        )  # fmt: skip


class AcknowledgeIn(BaseModel):
    """Which alarm (``definition/machine``), with an optional comment."""

    key: str = Field(min_length=3, max_length=130)
    comment: str | None = Field(default=None, max_length=500)


class ShelveIn(BaseModel):
    """Which alarm, why, for how long, and whether the shelf ends when the alarm returns."""

    key: str = Field(min_length=3, max_length=130)
    reason: str = Field(min_length=1, max_length=500)
    minutes: float = Field(default=60, gt=0, le=7 * 24 * 60)
    one_shot: bool = False


@api.get("/alarms", summary="Alarms of the site")
def get_alarms(
    runtime: RuntimeDep,
    machine: str | None = None,
    every: Annotated[bool, Query(alias="all")] = False,
) -> list[AlarmPublic]:
    """Alarms needing attention (``all=true``: every stored one), most urgent first."""
    views = queries.alarms(runtime.alarms, machine, attention_only=not every)
    return [AlarmPublic.of(a) for a in views]


@api.get("/alarms/history", summary="Recorded alarm transitions")
def get_history(
    runtime: RuntimeDep,
    start: FromQ = None,
    end: ToQ = None,
    machine: str | None = None,
    priority: str | None = None,
    event: str | None = None,
    limit: int = 500,
) -> list[TransitionPublic]:
    """Transitions in [from, to) (default: the last 24 hours), newest first."""
    finish = queries.until_now(runtime.now()) if end is None else parse_instant(end, "to")
    begin = finish - timedelta(days=1) if start is None else parse_instant(start, "from")
    q = queries.HistoryQuery(begin, finish, machine, None, priority, event, limit)
    return [TransitionPublic.of(r) for r in queries.history(runtime.alarms, q)]


@api.post("/alarms/acknowledge", summary="Acknowledge an alarm")
def post_acknowledge(
    runtime: RuntimeDep, scope: ScopeDep, body: AcknowledgeIn
) -> list[TransitionPublic]:
    """Acknowledge (and reset, when latched); the transitions recorded, none if nothing changed."""
    key = body.key
    event = Acknowledge(runtime.now(), scope.actor, body.comment)
    done = runtime.alarms.act(key, event, scope.actor)
    return [TransitionPublic.of(r) for r in queries.transition_views(runtime.alarms, key, done)]


@api.post("/alarms/shelve", summary="Shelve an alarm")
def post_shelve(runtime: RuntimeDep, scope: ScopeDep, body: ShelveIn) -> list[TransitionPublic]:
    """Shelve for ``minutes`` (at most the site's longest shelf), recorded and audited."""
    key = body.key
    now = runtime.now()
    until = runtime.alarms.shelve_until(now, body.minutes)
    event = Shelve(now, scope.actor, body.reason, until, body.one_shot)
    done = runtime.alarms.act(key, event, scope.actor)
    return [TransitionPublic.of(r) for r in queries.transition_views(runtime.alarms, key, done)]
