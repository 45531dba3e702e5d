"""Sparkplug Edge Nodes and Devices seen on a broker, with the metric names of their births."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from google.protobuf.message import DecodeError

from pabrik.connectors.mqtt.listen import SeenTopic
from pabrik.connectors.sparkplug import sparkplug_b_pb2 as pb

_KINDS = {"NBIRTH", "NDATA", "DBIRTH", "DDATA"}


@dataclass(frozen=True, slots=True)
class SeenDevice:
    """One Edge Node (device None) or Device that published in the window."""

    group: str
    edge: str
    device: str | None
    metrics: tuple[str, ...]
    messages: int


def devices(seen: Sequence[SeenTopic]) -> list[SeenDevice]:
    """The nodes and devices behind Sparkplug topics, metric names read from their payloads."""
    found: dict[tuple[str, str, str | None], tuple[set[str], int]] = {}
    for s in seen:
        parts = s.topic.split("/")
        if len(parts) < 4 or parts[0] != "spBv1.0" or parts[2] not in _KINDS:
            continue
        key = (parts[1], parts[3], parts[4] if len(parts) > 4 else None)
        names, count = found.get(key, (set(), 0))
        payload = pb.Payload()
        try:
            payload.ParseFromString(s.last_payload)
            names |= {m.name for m in payload.metrics if m.name and m.name != "bdSeq"}
        except DecodeError:
            pass
        found[key] = (names, count + s.count)
    return [
        SeenDevice(g, e, d, tuple(sorted(names)), count)
        for (g, e, d), (names, count) in sorted(found.items(), key=lambda kv: str(kv[0]))
    ]
