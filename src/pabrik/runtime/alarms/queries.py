"""What people read of the alarms: the list, the banner's counts, history and performance."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from pabrik.alarms.definitions import Priority
from pabrik.alarms.metrics import LogEntry, Performance, performance
from pabrik.alarms.states import NEEDS_ATTENTION, AlarmState, Service, Shelf, Transition
from pabrik.model.fields import Text
from pabrik.runtime.alarms import codec
from pabrik.runtime.alarms.service import AlarmService
from pabrik.storage.alarms import AlarmTransitionRow, TransitionFilter

# Spans that began before a report's period still count (stale alarms, shelved time).
LOOK_BACK = timedelta(days=2)
HISTORY_LIMIT = 5000


@dataclass(frozen=True, slots=True)
class AlarmView:
    """One alarm as a list shows it."""

    key: str
    definition_id: str
    machine_id: str
    position: str
    kind: str
    priority: Priority
    state: AlarmState
    message: Text
    since: datetime | None
    value: float | None
    shelf: Shelf | None
    service: Service | None
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class TransitionView:
    """One recorded change of an alarm."""

    key: str
    machine_id: str
    priority: str
    at: datetime
    event: str
    before: str
    after: str
    actor: str | None
    comment: str | None
    value: float | None
    occurrence: bool


def transition_views(
    service: AlarmService, key: str, done: list[Transition]
) -> list[TransitionView]:
    """Views of the transitions an action just recorded."""
    point = service.catalogue.point(key)
    machine, priority = (point.machine_id, point.definition.priority.value) if point else ("", "")
    return [
        TransitionView(
            key,
            machine,
            priority,
            t.at,
            t.event,
            t.before.value,
            t.after.value,
            t.by,
            t.comment,
            t.value,
            t.occurrence,
        )
        for t in done
    ]


@dataclass(frozen=True, slots=True)
class HistoryQuery:
    """Filters of the history page and API; None matches anything."""

    start: datetime
    end: datetime
    machine_id: str | None = None
    definition_id: str | None = None
    priority: str | None = None
    event: str | None = None
    limit: int = 500


def until_now(now: datetime) -> datetime:
    """The end of a period that includes what happened at ``now`` (periods are half-open)."""
    return now + timedelta(milliseconds=1)


def alarms(
    service: AlarmService, machine_id: str | None = None, *, attention_only: bool = False
) -> list[AlarmView]:
    """Stored alarms of the current definitions, most urgent and newest first."""
    out = []
    for row in service.store.alarm_states():
        point = service.catalogue.point(row.key)
        if point is None or (machine_id is not None and point.machine_id != machine_id):
            continue
        status = codec.loads(row.body_json).status
        if attention_only and status.state not in NEEDS_ATTENTION:
            continue
        d = point.definition
        out.append(
            AlarmView(
                row.key,
                d.id,
                point.machine_id,
                point.position,
                d.kind,
                d.priority,
                status.state,
                d.message,
                status.since,
                status.value,
                status.shelf,
                status.service,
                row.updated_at,
            )
        )
    order = list(Priority)
    return sorted(out, key=lambda a: (order.index(a.priority), -a.updated_at.timestamp(), a.key))


def counts(service: AlarmService) -> dict[Priority, int]:
    """Alarms that need attention, per priority (every priority present)."""
    # Every page's banner asks this: the state column is saved with each body, so only the
    # keys of alarms in those states are read (every alarm's row was most of the banner's time
    # under load, and decoding every body before that).
    found: Counter[Priority] = Counter()
    for key, _ in service.store.alarm_keys_in(sorted(NEEDS_ATTENTION)):
        point = service.catalogue.point(key)
        if point is not None:
            found[point.definition.priority] += 1
    return {p: found.get(p, 0) for p in Priority}


def history(service: AlarmService, q: HistoryQuery) -> list[TransitionView]:
    """Recorded transitions matching the query, newest first."""
    where = TransitionFilter(q.start, q.end, q.machine_id, q.definition_id, q.priority, q.event)
    rows = service.store.alarm_transitions(where, max(1, min(q.limit, HISTORY_LIMIT)))
    return [
        TransitionView(
            r.key,
            r.machine_id,
            r.priority,
            r.at,
            r.event,
            r.before,
            r.after,
            r.actor,
            r.comment,
            r.value,
            r.occurrence,
        )
        for r in rows
    ]


def _entry(row: AlarmTransitionRow) -> LogEntry:
    return LogEntry(
        row.key, row.position, Priority(row.priority), row.at, row.event,
        AlarmState(row.before), AlarmState(row.after), row.occurrence,
    )  # fmt: skip


def report(service: AlarmService, start: datetime, end: datetime) -> Performance:
    """The alarm-performance figures of [start, end)."""
    where = TransitionFilter(start - LOOK_BACK, end)
    rows = service.store.alarm_transitions(where, limit=1_000_000)
    return performance([_entry(r) for r in rows], start, end)
