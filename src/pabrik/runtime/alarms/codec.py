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


_BOOLS = {True: "true", False: "false"}
_FLOATS = {math.inf: "Infinity", -math.inf: "-Infinity"}


def _number(v: object) -> str | None:
    """``v`` as ``json.dumps`` writes it, for None, ints and floats only (else None)."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return None
    if isinstance(v, float):
        return "NaN" if math.isnan(v) else _FLOATS.get(v) or float.__repr__(v)
    if isinstance(v, int):
        return int.__repr__(v)
    return None


def _instant(t: datetime | None) -> str:
    return "null" if t is None else str(to_epoch_ms(t))


def dumps(t: Tracked) -> str:
    """The JSON body of a tracked alarm."""
    # Written out by hand in the common case (no shelf, no service, plain types): about 315
    # bodies are encoded on every batch. Exactly ``json.dumps``'s text (tests/alarms).
    s, m = t.status, t.memory
    value, last_value = _number(s.value), _number(m.last_value)
    if (
        s.shelf is None
        and s.service is None
        and value is not None
        and last_value is not None
        and type(s.acked) is bool
        and type(s.condition) is bool
        and type(s.latch) is bool
        and type(s.latching) is bool
        and type(m.raw) is bool
        and type(s.suppressed) is bool
    ):
        b = _BOOLS
        return (
            f'{{"acked":{b[s.acked]},"condition":{b[s.condition]},"latch":{b[s.latch]},'
            f'"latching":{b[s.latching]},"memory":[{b[m.raw]},{_instant(m.raw_since)},'
            f'{last_value},{_instant(m.last_ts)}],"service":null,"shelf":null,'
            f'"since":{_instant(s.since)},"suppressed":{b[s.suppressed]},"value":{value}}}'
        )
    return json_dumps(t)


def json_dumps(t: Tracked) -> str:
    """The JSON body of a tracked alarm, by ``json.dumps`` (any shelf, service and types)."""
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


def _finite(v: float | None) -> bool:
    return v is None or (type(v) is float and math.isfinite(v))


def round_trips(t: Tracked) -> bool:
    """Whether ``loads(dumps(t)) == t``: whole UTC milliseconds and finite numbers only."""
    s, m = t.status, t.memory
    if not (_finite(s.value) and _finite(m.last_value)):
        return False
    if not (_whole_ms(s.since) and _whole_ms(m.raw_since) and _whole_ms(m.last_ts)):
        return False
    shelf, service = s.shelf, s.service
    if shelf is not None and not (_whole_ms(shelf.at) and _whole_ms(shelf.until)):
        return False
    return service is None or _whole_ms(service.at)
