"""The Sparkplug B 3.0 host connector: session rules, rebirth requests, STATE, records."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from google.protobuf.message import DecodeError

from pabrik.connectors.contract import (
    KEPT_PAYLOAD_CHARS,
    ConnectorMetrics,
    InputRejection,
    decode_failure,
)
from pabrik.connectors.mqtt.client import Decoded, Inbound, Outgoing, SessionOptions
from pabrik.connectors.mqtt.session import MqttSession
from pabrik.connectors.mqtt.shell import SessionConnector
from pabrik.connectors.sparkplug import sparkplug_b_pb2 as pb
from pabrik.connectors.sparkplug.config import SparkplugConfig
from pabrik.connectors.sparkplug.diagnostics import diagnostics, host_details
from pabrik.connectors.sparkplug.mapping import Mapped, MetricMapper
from pabrik.connectors.sparkplug.session import (
    Catalogue,
    NodeSession,
    bd_seq_of,
    rebirth_request,
)
from pabrik.model.records import to_epoch_ms
from pabrik.model.site import Plant
from pabrik.model.validation import Rejection

NAMESPACE = "spBv1.0"
NODE_TYPES = frozenset({"NBIRTH", "NDATA", "NDEATH"})
DEVICE_TYPES = frozenset({"DBIRTH", "DDATA", "DDEATH"})
COMMANDS = frozenset({"NCMD", "DCMD"})


@dataclass(frozen=True, slots=True)
class Topic:
    """A parsed Sparkplug topic."""

    group: str
    type: str
    edge: str
    device: str | None


def parse_topic(topic: str) -> Topic | Rejection:
    """The parts of spBv1.0/group/TYPE/edge[/device], or why it is not one."""
    parts = topic.split("/")
    if len(parts) not in {4, 5} or parts[0] != NAMESPACE:
        return Rejection("unknown_topic", f"topic {topic[:200]!r} is not a Sparkplug B topic")
    kind = parts[2]
    device = parts[4] if len(parts) == 5 else None
    if (kind in NODE_TYPES and device is None) or (kind in DEVICE_TYPES and device is not None):
        return Topic(parts[1], kind, parts[3], device)
    if kind in COMMANDS:
        return Topic(parts[1], kind, parts[3], device)
    return Rejection("unknown_topic", f"topic {topic[:200]!r} has no known message type")


class SparkplugHandler:
    """Applies the host session rules to message batches (runs on the batch thread)."""

    def __init__(
        self,
        config: SparkplugConfig,
        plant: Plant,
        metrics: ConnectorMetrics,
        now_ms: Callable[[], int],
    ) -> None:
        self.config = config
        self.source = config.id
        self.max_bytes = plant.limits.max_payload_bytes
        self.mapper = MetricMapper(config, plant)
        self.metrics = metrics
        self.now_ms = now_ms
        self.nodes: dict[tuple[str, str], NodeSession] = {}
        self.publish: Callable[[Outgoing], None] = lambda _: None
        self._state_ts = 0

    # -- host STATE ------------------------------------------------------------------------

    def _state(self, online: bool) -> Outgoing:
        body = json.dumps({"online": online, "timestamp": self._state_ts}).encode()
        return Outgoing(f"{NAMESPACE}/STATE/{self.config.host_id}", body, qos=1, retain=True)

    def will(self) -> Outgoing | None:
        """The offline STATE as last will; its timestamp is reused by the online birth."""
        if self.config.host_id is None:
            return None
        self._state_ts = self.now_ms()
        return self._state(online=False)

    def on_connected(self) -> list[Outgoing]:
        """Announce the host online (retained, QoS 1)."""
        return [] if self.config.host_id is None else [self._state(online=True)]

    def on_closing(self) -> list[Outgoing]:
        """Announce the host offline before a clean disconnect (which suppresses the will)."""
        return [] if self.config.host_id is None else [self._state(online=False)]

    # -- messages --------------------------------------------------------------------------

    def decode(self, batch: Sequence[Inbound], now: datetime) -> Decoded:
        """Records and rejections for a batch, in order (session state depends on order)."""
        out = Decoded()
        for message in batch:
            records, rejections = len(out.records), len(out.rejections)
            try:
                self._message(message, now, out)
            except Exception as err:  # noqa: BLE001 - one message must never block the batch
                # Drop what the failed message half-made; keep it whole as a dead letter.
                del out.records[records:], out.rejections[rejections:]
                context, text = _raw_context(message.topic), _raw_text(message.payload)
                out.rejections.append(decode_failure(self.source, err, text, context))
        return out

    def _message(self, message: Inbound, now: datetime, out: Decoded) -> None:
        topic = message.topic
        if topic is None:
            self._reject_raw(
                out, None, message.payload, Rejection("unknown_topic", "topic is not UTF-8")
            )
            return
        if topic.startswith(f"{NAMESPACE}/STATE/"):
            self._host_state(topic, message.payload)
            return
        parsed = parse_topic(topic)
        if isinstance(parsed, Rejection):
            self._reject_raw(out, topic, message.payload, parsed)
            return
        if parsed.type in COMMANDS:
            return
        if len(message.payload) > self.max_bytes:
            why = Rejection("payload_too_large", f"{len(message.payload)} bytes is over the limit")
            self._reject_raw(out, topic, message.payload, why)
            return
        try:
            payload = pb.Payload.FromString(message.payload)
        except (DecodeError, RecursionError, ValueError) as err:
            why = Rejection("bad_protobuf", f"not a Sparkplug B payload: {str(err)[:200]}")
            self._reject_raw(out, topic, message.payload, why)
            return
        self._dispatch(parsed, topic, payload, message.payload, now, out)

    def _dispatch(
        self, t: Topic, topic: str, payload: pb.Payload, raw: bytes, now: datetime, out: Decoded
    ) -> None:
        key = (t.group, t.edge)
        if t.type == "NBIRTH":
            born = self.nodes[key] = NodeSession(bd_seq=bd_seq_of(payload), born=True)
            born.next_seq_ok(payload)
            born.scopes[None] = Catalogue.from_birth(payload)
            self._take(out, topic, self._mapped(t, payload, born.scopes[None], now, birth=True))
            return
        node = self.nodes.get(key)
        if t.type == "NDEATH":
            self._node_death(t, payload, node, now, out)
            return
        if node is None or not node.born:
            self._needs_birth(t, topic, raw, out, "the node has not been born")
            return
        if not node.next_seq_ok(payload):
            self._count("seq_gaps")
            self._rebirth(t, node)
        self._node_message(t, topic, payload, raw, node, now, out)

    def _node_message(
        self,
        t: Topic,
        topic: str,
        payload: pb.Payload,
        raw: bytes,
        node: NodeSession,
        now: datetime,
        out: Decoded,
    ) -> None:
        if t.type == "DBIRTH":
            node.scopes[t.device] = birth = Catalogue.from_birth(payload)
            self._take(out, topic, self._mapped(t, payload, birth, now, birth=True))
            return
        cat = node.scopes.get(t.device)
        if cat is None or not cat.born:
            self._needs_birth(t, topic, raw, out, f"device {t.device!r} has not been born")
            return
        if t.type == "DDEATH":
            cat.born = False
            dmap = self.mapper.device(t.group, t.edge, t.device)
            if dmap is not None:
                out.records.extend(self.mapper.death([dmap], [cat], now))
            return
        mapped = self._mapped(t, payload, cat, now, birth=False)
        if any(why.code == "unknown_alias" for why, _ in mapped.rejected):
            self._rebirth(t, node)
        self._take(out, topic, mapped)

    def _mapped(
        self, t: Topic, payload: pb.Payload, cat: Catalogue, now: datetime, *, birth: bool
    ) -> Mapped:
        dmap = self.mapper.device(t.group, t.edge, t.device)
        return self.mapper.metrics(
            f"{t.group}/{t.type}/{t.edge}/{t.device or ''}", payload, cat, dmap, now, birth=birth
        )

    def _node_death(
        self, t: Topic, payload: pb.Payload, node: NodeSession | None, now: datetime, out: Decoded
    ) -> None:
        if node is None or not node.born:
            return
        bd_seq = bd_seq_of(payload)
        if node.bd_seq is not None and bd_seq != node.bd_seq:
            # The will of an older connection, delivered late: the node is alive.
            self._count("stale_deaths")
            return
        node.born = False
        maps = self.mapper.maps_of_node(t.group, t.edge)
        out.records.extend(self.mapper.death(maps, [node.scopes.get(d.device) for d in maps], now))
        for cat in node.scopes.values():
            cat.born = False

    def _host_state(self, topic: str, payload: bytes) -> None:
        if self.config.host_id is None or topic != f"{NAMESPACE}/STATE/{self.config.host_id}":
            return
        try:
            online = json.loads(payload).get("online")
        except (ValueError, AttributeError, RecursionError):
            return
        if online is False and self._state_ts:
            # Another session wrote us offline while we are up: say online again (3.0 rule).
            self.publish(self._state(online=True))

    # -- helpers ---------------------------------------------------------------------------

    def _needs_birth(self, t: Topic, topic: str, raw: bytes, out: Decoded, detail: str) -> None:
        node = self.nodes.setdefault((t.group, t.edge), NodeSession())
        self._rebirth(t, node)
        self._reject_raw(out, topic, raw, Rejection("no_birth", f"data before birth: {detail}"))

    def _rebirth(self, t: Topic, node: NodeSession) -> None:
        if not node.may_request_rebirth(self.config.rebirth_interval_s):
            return
        self._count("rebirth_requests")
        topic = f"{NAMESPACE}/{t.group}/NCMD/{t.edge}"
        self.publish(Outgoing(topic, rebirth_request(self.now_ms()), qos=0))

    def _take(self, out: Decoded, topic: str, mapped: Mapped) -> None:
        out.records.extend(mapped.records)
        context = {"format": "sparkplug-metric", "topic": topic}
        for why, text in mapped.rejected:
            out.rejections.append(InputRejection(self.source, why.code, why.detail, text, context))

    def _reject_raw(self, out: Decoded, topic: str | None, raw: bytes, why: Rejection) -> None:
        context, text = _raw_context(topic), _raw_text(raw)
        out.rejections.append(InputRejection(self.source, why.code, why.detail, text, context))

    def _count(self, name: str) -> None:
        extra = self.metrics.extra
        extra[name] = extra.get(name, 0) + 1


def _raw_context(topic: str | None) -> dict[str, str]:
    return {"format": "sparkplug", "topic": topic or "", "encoding": "base64"}


def _raw_text(raw: bytes) -> str:
    """The payload's head in base64, within the dead letter's bound."""
    return base64.b64encode(raw[: KEPT_PAYLOAD_CHARS // 4 * 3]).decode()


class SparkplugConnector(SessionConnector):
    """A Sparkplug B primary host: subscribes, keeps node sessions, delivers records."""

    config: SparkplugConfig

    def __init__(self, config: SparkplugConfig, plant: Plant) -> None:
        self.config = config
        self._metrics = ConnectorMetrics()
        self.handler = SparkplugHandler(config, plant, self._metrics, self._now_ms)
        self.session = MqttSession(
            config.broker,
            SessionOptions(
                client_id=config.broker.resolved_client_id(config.id),
                filters=tuple(config.filters()),
                qos=1,
                # A Sparkplug host starts clean and relies on births, not on a stored session.
                clean_start=True,
                session_expiry_s=0,
                batch_size=config.batch_size,
                batch_interval_s=config.batch_interval_ms / 1000,
            ),
            self.handler,
            self._metrics,
        )
        self.handler.publish = self.session.publish

    def _now_ms(self) -> int:
        return to_epoch_ms(self.session.clock()) if hasattr(self, "session") else 0

    @property
    def metrics(self) -> ConnectorMetrics:
        """Its counters (extra: seq_gaps, rebirth_requests, stale_deaths)."""
        return self._metrics

    def close(self, timeout: float = 30.0) -> None:
        """Finish the batch in hand, publish STATE offline, and disconnect."""
        self.session.stop(timeout)

    def diagnostics(self) -> dict[str, Any]:
        """State, counters, configuration and node sessions, with secrets redacted."""
        details = host_details(self.session, self.handler.nodes)
        return diagnostics(self.config, self._metrics, self.state, details)
