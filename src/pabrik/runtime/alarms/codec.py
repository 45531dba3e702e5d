"""An alarm's runtime state to and from the JSON body of its store row."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import Any

from pabrik.alarms.conditions import Memory
from pabrik.alarms.evaluation import Tracked
from pabrik.alarms.states import AlarmStatus, Service, Shelf
from pabrik.model.records import from_epoch_ms, to_epoch_ms


def _ms(t: datetime | None) -> int | None:
    return None if t is None else to_epoch_ms(t)


def _at(ms: Any) -> datetime | None:
    return None if ms is None else from_epoch_ms(int(ms))


def _req(ms: Any) -> datetime:
    return from_epoch_ms(int(ms))


def dumps(t: Tracked) -> str:
    """The JSON body of a tracked alarm."""
    s, m = t.status, t.memory
    shelf = s.shelf
    service = s.service
    body = {
        "latching": s.latching,
        "condition": s.condition,
        "acked": s.acked,
        "latch": s.latch,
        "suppressed": s.suppressed,
        "since": _ms(s.since),
        "value": s.value,
        "shelf": None
        if shelf is None
        else [shelf.by, shelf.reason, _ms(shelf.at), _ms(shelf.until), shelf.one_shot],
        "service": None if service is None else [service.by, service.reason, _ms(service.at)],
        "memory": [m.raw, _ms(m.raw_since), m.last_value, _ms(m.last_ts)],
    }
    return json.dumps(body, separators=(",", ":"), sort_keys=True)


def loads(text: str) -> Tracked:
    """A tracked alarm from its JSON body."""
    b = json.loads(text)
    shelf = b["shelf"]
    service = b["service"]
    raw, raw_since, last_value, last_ts = b["memory"]
    status = AlarmStatus(
        latching=bool(b["latching"]),
        condition=bool(b["condition"]),
        acked=bool(b["acked"]),
        latch=bool(b["latch"]),
        shelf=None
        if shelf is None
        else Shelf(shelf[0], shelf[1], _req(shelf[2]), _req(shelf[3]), bool(shelf[4])),
        suppressed=bool(b["suppressed"]),
        service=None if service is None else Service(service[0], service[1], _req(service[2])),
        since=_at(b["since"]),
        value=b["value"],
    )
    return Tracked(status, Memory(bool(raw), _at(raw_since), last_value, _at(last_ts)))


def _whole_ms(t: datetime | None) -> bool:
    return t is None or (t.tzinfo is UTC and t.microsecond % 1000 == 0)


def round_trips(t: Tracked) -> bool:
    """Whether ``loads(dumps(t)) == t``: whole UTC milliseconds and finite numbers only."""
    s, m = t.status, t.memory
    times = [s.since, m.raw_since, m.last_ts]
    if s.shelf is not None:
        times += [s.shelf.at, s.shelf.until]
    if s.service is not None:
        times.append(s.service.at)
    numbers = (s.value, m.last_value)
    finite = all(v is None or (type(v) is float and math.isfinite(v)) for v in numbers)
    return finite and all(_whole_ms(x) for x in times)
