"""A scripted Sparkplug B Edge Node for tests: payloads built with the generated classes."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion

from pabrik.connectors.sparkplug import SparkplugConfig
from pabrik.connectors.sparkplug import sparkplug_b_pb2 as pb
from pabrik.connectors.sparkplug.connector import SparkplugConnector
from pabrik.model.site import Plant
from tests.connectors.peers import Broker, wait_until


def now_ms() -> int:
    return int(datetime.now(UTC).timestamp() * 1000) - 1000


def metric(
    name: str | None = None, alias: int | None = None, datatype: int | None = None, **value: Any
) -> pb.Payload.Metric:
    m = pb.Payload.Metric(**value)
    if name is not None:
        m.name = name
    if alias is not None:
        m.alias = alias
    if datatype is not None:
        m.datatype = datatype
    return m


@dataclass
class EdgeNode:
    """Publishes births, data and deaths of one node with a correct running seq."""

    client: paho.Client
    group: str
    edge: str = "node1"
    seq: int = 0
    bd_seq: int = 0
    last_ms: int = 0

    def _send(
        self, kind: str, metrics: list[pb.Payload.Metric], device: str | None, seq: int | None
    ) -> None:
        # Strictly increasing timestamps: records of one signal at one instant are one record.
        self.last_ms = max(now_ms(), self.last_ms + 1)
        payload = pb.Payload(timestamp=self.last_ms, metrics=metrics)
        if seq is not None:
            payload.seq = seq
        topic = f"spBv1.0/{self.group}/{kind}/{self.edge}" + (f"/{device}" if device else "")
        self.client.publish(topic, payload.SerializeToString(), qos=0).wait_for_publish(30)

    def _next(self) -> int:
        self.seq = (self.seq + 1) % 256
        return self.seq

    def nbirth(self, metrics: list[pb.Payload.Metric]) -> None:
        self.seq = 0
        base = [
            metric("bdSeq", datatype=pb.Int64, long_value=self.bd_seq),
            metric("Node Control/Rebirth", datatype=pb.Boolean, boolean_value=False),
        ]
        self._send("NBIRTH", base + metrics, None, 0)

    def dbirth(self, device: str, metrics: list[pb.Payload.Metric]) -> None:
        self._send("DBIRTH", metrics, device, self._next())

    def ndata(self, metrics: list[pb.Payload.Metric], *, seq: int | None = None) -> None:
        self._send("NDATA", metrics, None, self._next() if seq is None else seq)

    def ddata(
        self, device: str, metrics: list[pb.Payload.Metric], *, seq: int | None = None
    ) -> None:
        self._send("DDATA", metrics, device, self._next() if seq is None else seq)

    def ddeath(self, device: str) -> None:
        self._send("DDEATH", [], device, self._next())

    def ndeath(self, bd_seq: int) -> None:
        self._send("NDEATH", [metric("bdSeq", datatype=pb.Int64, long_value=bd_seq)], None, None)

    def raw(self, kind: str, body: bytes, device: str | None = None) -> None:
        topic = f"spBv1.0/{self.group}/{kind}/{self.edge}" + (f"/{device}" if device else "")
        self.client.publish(topic, body, qos=0).wait_for_publish(30)


@dataclass
class Watcher:
    """Collects messages on a topic filter (NCMD, STATE) with their retain flags."""

    broker: Broker
    topic: str
    received: list[tuple[str, bytes, bool]] = field(default_factory=list)
    client: paho.Client = field(init=False)

    def __post_init__(self) -> None:
        self.client = paho.Client(CallbackAPIVersion.VERSION2)
        ready = threading.Event()
        self.client.on_connect = lambda c, u, f, rc, p: c.subscribe(self.topic, 1)
        self.client.on_subscribe = lambda c, u, mid, rc, p: ready.set()
        self.client.on_message = lambda c, u, m: self.received.append(
            (m.topic, m.payload, m.retain)
        )
        self.client.connect(self.broker.host, self.broker.port)
        self.client.loop_start()
        assert ready.wait(30)

    def rebirths(self) -> int:
        found = 0
        for _, body, _ in self.received:
            payload = pb.Payload.FromString(body)
            found += any(
                m.name == "Node Control/Rebirth" and m.boolean_value for m in payload.metrics
            )
        return found

    def states(self) -> list[tuple[dict[str, Any], bool]]:
        return [(json.loads(body), retain) for _, body, retain in self.received]

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def edge_client(broker: Broker) -> paho.Client:
    client = paho.Client(CallbackAPIVersion.VERSION2)
    client.connect(broker.host, broker.port)
    client.loop_start()
    return client


def host_config(broker: Broker, group: str, client_id: str, **extra: Any) -> SparkplugConfig:
    data: dict[str, Any] = {
        "kind": "sparkplug",
        "id": "spb",
        "broker": {"host": broker.host, "port": broker.port, "client_id": client_id},
        "groups": [group],
        "host_id": f"host-{client_id}",
        "rebirth_interval_s": 0,
        "devices": [
            {"edge": "node1", "machine": "press-2", "metrics": {"Speed": "speed"}},
            {
                "edge": "node1",
                "device": "dev1",
                "machine": "press-1",
                "metrics": {
                    "Temp": "temperature",
                    "Offset": "pressure",
                    "Status": {"state": True},
                    "Good": {"count": "good"},
                    "Scrap": {"count": "scrap"},
                },
            },
        ],
    }
    data.update(extra)
    return SparkplugConfig.model_validate(data)


def started_host(config: SparkplugConfig, plant: Plant, sink: Any) -> SparkplugConnector:
    host = SparkplugConnector(config, plant)
    host.start(sink)
    wait_until(host.session.subscribed.is_set, what="the host to subscribe")
    return host


Check = Callable[[], bool]


def template_bomb(depth: int) -> bytes:
    """A metric whose template nests ``depth`` times, written by hand (protobuf refuses it)."""
    body = b""
    for _ in range(depth):
        body = raw_field(
            2, raw_field(1, b"x") + raw_field(18, body)
        )  # Template.metrics, template_value
    return raw_field(2, raw_field(1, b"Temp") + raw_field(18, body))  # Payload.metrics


def raw_field(number: int, data: bytes) -> bytes:
    return varint((number << 3) | 2) + varint(len(data)) + data


def varint(value: int) -> bytes:
    out = bytearray()
    while True:
        low, value = value & 0x7F, value >> 7
        out.append(low | (0x80 if value else 0))
        if not value:
            return bytes(out)
