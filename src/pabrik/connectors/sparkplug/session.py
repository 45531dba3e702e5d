"""The host's view of each Edge Node's session: births, seq, bdSeq and metric aliases."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

from pabrik.connectors.sparkplug import sparkplug_b_pb2 as pb
from pabrik.connectors.sparkplug.datatypes import metric_value

BD_SEQ = "bdSeq"
REBIRTH = "Node Control/Rebirth"


@dataclass(slots=True)
class Catalogue:
    """The metrics an Edge Node or a Device declared in its birth."""

    aliases: dict[int, str] = field(default_factory=dict)
    types: dict[str, int] = field(default_factory=dict)
    last: dict[str, Any] = field(default_factory=dict)
    born: bool = True

    @classmethod
    def from_birth(cls, payload: pb.Payload) -> Catalogue:
        """The catalogue a birth message declares (names, aliases, datatypes)."""
        cat = cls()
        for m in payload.metrics:
            if not m.name:
                continue
            if m.HasField("alias"):
                cat.aliases[m.alias] = m.name
            cat.types[m.name] = m.datatype
        return cat

    def name_of(self, metric: pb.Payload.Metric) -> str | None:
        """The metric's name, from the message or from its alias."""
        if metric.name:
            return metric.name
        if metric.HasField("alias"):
            return self.aliases.get(metric.alias)
        return None


@dataclass(slots=True)
class NodeSession:
    """One Edge Node as the host sees it."""

    bd_seq: int | None = None
    seq: int | None = None
    born: bool = False
    scopes: dict[str | None, Catalogue] = field(default_factory=dict)
    last_rebirth: float = -math.inf

    def next_seq_ok(self, payload: pb.Payload) -> bool:
        """Take the payload's seq; False when it does not follow the last one (0-255, wraps)."""
        if not payload.HasField("seq"):
            return False
        expected = None if self.seq is None else (self.seq + 1) % 256
        self.seq = payload.seq
        return expected is None or payload.seq == expected

    def may_request_rebirth(self, interval_s: float) -> bool:
        """Whether a rebirth request is due (throttled per node)."""
        now = time.monotonic()
        if now - self.last_rebirth < interval_s:
            return False
        self.last_rebirth = now
        return True


def bd_seq_of(payload: pb.Payload) -> int | None:
    """The bdSeq metric of an NBIRTH or NDEATH."""
    for m in payload.metrics:
        if m.name == BD_SEQ:
            value = metric_value(m, m.datatype or pb.UInt64)
            # bdSeq is an integer type; anything else cannot tie a death to a birth.
            return value if isinstance(value, int) and not isinstance(value, bool) else None
    return None


def rebirth_request(now_ms: int) -> bytes:
    """An NCMD payload asking an Edge Node to publish its births again."""
    payload = pb.Payload(timestamp=now_ms)
    payload.metrics.add(name=REBIRTH, timestamp=now_ms, datatype=pb.Boolean, boolean_value=True)
    return payload.SerializeToString()
