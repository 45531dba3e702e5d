"""One MQTT session: a network thread (paho), a batch thread, acks after commit, reconnects.

paho is not thread-safe for writes from several threads, so every call on the client (acks,
publishes, disconnect) happens on the network thread; other threads queue them in ``_outbox``.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode, MQTTProtocolVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from pabrik.connectors.backoff import Backoff
from pabrik.connectors.contract import ConnectorMetrics, InputRejection, ProbeResult, Sink
from pabrik.connectors.mqtt.config import BrokerConfig
from pabrik.model.records import Record

log = logging.getLogger(__name__)

_IDLE_S = 0.005
_LOOP_TIMEOUT_S = 0.02


@dataclass(frozen=True, slots=True)
class Inbound:
    """A received message; ``generation`` counts connections, so stale acks are dropped."""

    topic: str | None
    payload: bytes
    qos: int
    mid: int
    generation: int
    retain: bool = False


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A message to publish from the network thread."""

    topic: str
    payload: bytes
    qos: int = 0
    retain: bool = False


@dataclass(slots=True)
class Decoded:
    """What a handler made of a batch."""

    records: list[Record] = field(default_factory=list)
    rejections: list[InputRejection] = field(default_factory=list)


class Handler(Protocol):
    """Protocol-specific decoding of message batches (JSON, Sparkplug B)."""

    def decode(self, batch: Sequence[Inbound], now: datetime) -> Decoded:
        """Records and rejections for a batch; never raises."""
        ...

    def will(self) -> Outgoing | None:
        """The last will to register on the next connect, if any."""
        ...

    def on_connected(self) -> list[Outgoing]:
        """Messages to publish right after a successful connect (births, STATE)."""
        ...

    def on_closing(self) -> list[Outgoing]:
        """Messages to publish before a clean disconnect."""
        ...


@dataclass(frozen=True, slots=True)
class SessionOptions:
    """How a session subscribes, batches and acknowledges."""

    client_id: str
    filters: tuple[str, ...]
    qos: int = 1
    clean_start: bool = False
    session_expiry_s: int = 86_400
    receive_maximum: int = 10_000
    batch_size: int = 2000
    batch_interval_s: float = 0.05
    max_pending: int = 50_000


def utc_now() -> datetime:
    """The current time, aware and in UTC."""
    return datetime.now(UTC)


def new_client(broker: BrokerConfig, client_id: str, *, clean_start: bool) -> paho.Client:
    """A paho client with TLS and credentials set, manual acks on."""
    v5 = broker.protocol == "5"
    client = paho.Client(
        CallbackAPIVersion.VERSION2,
        client_id=client_id,
        clean_session=None if v5 else clean_start,
        protocol=MQTTProtocolVersion.MQTTv5 if v5 else MQTTProtocolVersion.MQTTv311,
        manual_ack=True,
    )
    client.connect_timeout = broker.connect_timeout_s
    if broker.username is not None:
        client.username_pw_set(broker.username, broker.password)
    if broker.tls is not None:
        tls = broker.tls
        client.tls_set(
            ca_certs=str(tls.ca_file) if tls.ca_file else None,
            certfile=str(tls.cert_file) if tls.cert_file else None,
            keyfile=str(tls.key_file) if tls.key_file else None,
            keyfile_password=tls.key_password,
            cert_reqs=ssl.CERT_REQUIRED,
        )
        client.tls_insecure_set(tls.insecure)
    return client


def connect_properties(options: SessionOptions) -> Properties:
    """MQTT 5 CONNECT properties: session expiry and how many QoS 1 messages may be unacked."""
    props = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
    props.SessionExpiryInterval = 0 if options.clean_start else options.session_expiry_s
    props.ReceiveMaximum = options.receive_maximum
    return props


class MqttSession:
    """Receive, decode in batches, submit, then acknowledge; reconnect with backoff and jitter."""

    def __init__(
        self,
        broker: BrokerConfig,
        options: SessionOptions,
        handler: Handler,
        metrics: ConnectorMetrics,
        *,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.broker = broker
        self.options = options
        self.handler = handler
        self.metrics = metrics
        self.clock = clock
        self.connected = threading.Event()
        self.subscribed = threading.Event()
        self.finished = threading.Event()
        self._inbox: deque[Inbound] = deque()
        self._outbox: deque[tuple[int, int] | Outgoing] = deque()
        self._generation = 0
        self._stopping = threading.Event()
        self._batcher_done = threading.Event()
        self._reconnect = threading.Event()
        self._backoff = Backoff(broker.reconnect_initial_s, broker.reconnect_max_s)
        self._threads: list[threading.Thread] = []
        self._sink: Sink | None = None
        self._pending_subs: set[int] = set()

    # -- lifecycle -------------------------------------------------------------------------

    def start(self, sink: Sink) -> None:
        """Start the network and batch threads."""
        if self._threads:
            raise RuntimeError("a session starts once")
        self._sink = sink
        for name, target in (("net", self._network_main), ("batch", self._batch_main)):
            thread = threading.Thread(
                target=target, name=f"mqtt-{name}-{self.options.client_id}", daemon=True
            )
            self._threads.append(thread)
            thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Finish the batch in hand, acknowledge it, then disconnect cleanly."""
        self._stopping.set()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        self.finished.set()

    def publish(self, message: Outgoing) -> None:
        """Queue a message for the network thread to publish."""
        self._outbox.append(message)

    @property
    def pending(self) -> int:
        """Messages received but not yet decoded."""
        return len(self._inbox)

    # -- network thread --------------------------------------------------------------------

    def _network_main(self) -> None:
        client = new_client(
            self.broker, self.options.client_id, clean_start=self.options.clean_start
        )
        client.on_connect = self._on_connect
        client.on_subscribe = self._on_subscribe
        client.on_message = self._on_message
        first = True
        while not self._stopping.is_set():
            if not first:
                self.metrics.reconnects += 1
                self._wait(self._backoff.next_delay())
                if self._stopping.is_set():
                    break
            first = False
            if self._connect(client):
                self._serve(client)
            self.connected.clear()
            self.subscribed.clear()
        self._batcher_done.wait()

    def _wait(self, seconds: float) -> None:
        self._stopping.wait(seconds)

    def _connect(self, client: paho.Client) -> bool:
        self._generation += 1
        will = self.handler.will()
        client.will_clear()
        if will is not None:
            client.will_set(will.topic, will.payload, will.qos, will.retain)
        v5 = self.broker.protocol == "5"
        try:
            client.connect(
                self.broker.host,
                self.broker.port,
                keepalive=self.broker.keepalive_s,
                clean_start=self.options.clean_start if v5 else paho.MQTT_CLEAN_START_FIRST_ONLY,
                properties=connect_properties(self.options) if v5 else None,
            )
        except (OSError, ValueError) as err:
            self._note_error(f"cannot connect to {self.broker.host}:{self.broker.port}: {err}")
            return False
        return True

    def _serve(self, client: paho.Client) -> None:
        """Run the connection until it drops, a reconnect is asked for, or the session stops."""
        self._reconnect.clear()
        while True:
            self._flush_outbox(client)
            if self._stopping.is_set():
                self._close(client)
                return
            if self._reconnect.is_set():
                client.disconnect()
                return
            if len(self._inbox) >= self.options.max_pending:
                # Stop reading so that TCP pushes back on the broker instead of memory growing.
                client.loop_write()
                client.loop_misc()
                time.sleep(_IDLE_S)
                continue
            if client.loop(_LOOP_TIMEOUT_S) != MQTTErrorCode.MQTT_ERR_SUCCESS:
                return

    def _close(self, client: paho.Client) -> None:
        """Wait for the batch thread's last acks, say goodbye, and disconnect."""
        while not self._batcher_done.wait(_IDLE_S):
            self._flush_outbox(client)
            client.loop_write()
            client.loop_misc()
        self._flush_outbox(client)
        if self.connected.is_set():
            infos = [
                client.publish(m.topic, m.payload, m.qos, m.retain)
                for m in self.handler.on_closing()
            ]
            # Wait for the broker to take the goodbyes before saying DISCONNECT.
            deadline = time.monotonic() + self.broker.connect_timeout_s
            while not all(i.is_published() for i in infos) and time.monotonic() < deadline:
                if client.loop(_LOOP_TIMEOUT_S) != MQTTErrorCode.MQTT_ERR_SUCCESS:
                    break
        client.disconnect()
        for _ in range(50):
            if client.loop(_LOOP_TIMEOUT_S) != MQTTErrorCode.MQTT_ERR_SUCCESS:
                break

    def _flush_outbox(self, client: paho.Client) -> None:
        while self._outbox:
            item = self._outbox.popleft()
            if isinstance(item, Outgoing):
                client.publish(item.topic, item.payload, item.qos, item.retain)
            elif item[0] == self._generation and self.connected.is_set():
                client.ack(item[1], 1)

    def _on_connect(
        self,
        client: paho.Client,
        userdata: Any,
        flags: paho.ConnectFlags,
        reason: ReasonCode,
        properties: Properties | None,
    ) -> None:
        if reason.is_failure:
            self._note_error(f"broker refused the connection: {reason}")
            return
        self.connected.set()
        self._backoff.reset()
        result, mid = client.subscribe([(f, self.options.qos) for f in self.options.filters])
        if result == MQTTErrorCode.MQTT_ERR_SUCCESS and mid is not None:
            self._pending_subs.add(mid)
        for message in self.handler.on_connected():
            client.publish(message.topic, message.payload, message.qos, message.retain)

    def _on_subscribe(
        self,
        client: paho.Client,
        userdata: Any,
        mid: int,
        reasons: list[ReasonCode],
        properties: Properties | None,
    ) -> None:
        refused = [str(r) for r in reasons if r.is_failure]
        if refused:
            self._note_error(f"broker refused subscriptions: {', '.join(refused)}")
        self._pending_subs.discard(mid)
        if not self._pending_subs:
            self.subscribed.set()

    def _on_message(self, client: paho.Client, userdata: Any, message: paho.MQTTMessage) -> None:
        try:
            topic: str | None = message.topic
        except UnicodeDecodeError:
            topic = None
        payload = message.payload
        if not isinstance(payload, bytes):
            payload = bytes(payload)
        self._inbox.append(
            Inbound(topic, payload, message.qos, message.mid, self._generation, message.retain)
        )

    def _note_error(self, text: str) -> None:
        self.metrics.last_error = text
        log.warning("mqtt %s: %s", self.options.client_id, text)

    # -- batch thread ----------------------------------------------------------------------

    def _batch_main(self) -> None:
        try:
            while True:
                batch = self._collect()
                if batch:
                    self._process(batch)
                elif self._stopping.is_set():
                    return
                else:
                    time.sleep(_IDLE_S)
        finally:
            self._batcher_done.set()

    def _collect(self) -> list[Inbound]:
        """Up to batch_size messages, waiting at most batch_interval after the first one."""
        inbox, size = self._inbox, self.options.batch_size
        batch: list[Inbound] = []
        deadline = 0.0
        while len(batch) < size:
            while inbox and len(batch) < size:
                batch.append(inbox.popleft())
            if not batch or len(batch) >= size or self._stopping.is_set():
                break
            now = time.monotonic()
            if deadline == 0.0:
                deadline = now + self.options.batch_interval_s
            elif now >= deadline:
                break
            time.sleep(min(_IDLE_S / 5, deadline - now))
        return batch

    def _process(self, batch: list[Inbound]) -> None:
        now = self.clock()
        assert self._sink is not None
        try:
            decoded = self.handler.decode(batch, now)
            self.metrics.received += len(batch)
            self._sink.submit(decoded.records, decoded.rejections)
        except Exception as err:  # noqa: BLE001 - any failure means: do not acknowledge
            self._note_error(f"a batch was not stored: {err!r}")
            # Unacknowledged QoS 1 messages come back after a reconnect; wait before trying.
            self._reconnect.set()
            self._stopping.wait(self._backoff.next_delay())
            return
        self.metrics.accepted += len(decoded.records)
        self.metrics.rejected += len(decoded.rejections)
        self.metrics.last_message_at = now
        if decoded.records:
            newest = max(r.ts for r in decoded.records)
            self.metrics.lag_s = max(0.0, (now - newest).total_seconds())
        self._outbox.extend((m.generation, m.mid) for m in batch if m.qos > 0)


def probe_broker(
    broker: BrokerConfig, client_id: str, filters: Sequence[str], qos: int, timeout: float = 10.0
) -> ProbeResult:
    """Connect with a clean throw-away session, subscribe, and report what the broker said."""
    client = new_client(broker, f"{client_id}-probe"[:128], clean_start=True)
    outcome: dict[str, Any] = {}
    done = threading.Event()

    def on_connect(c: paho.Client, u: Any, f: Any, reason: ReasonCode, p: Any) -> None:
        outcome["connack"] = str(reason)
        if reason.is_failure:
            done.set()
        else:
            c.subscribe([(t, qos) for t in filters])

    def on_subscribe(c: paho.Client, u: Any, mid: int, reasons: list[ReasonCode], p: Any) -> None:
        outcome["granted"] = [str(r) for r in reasons]
        done.set()

    client.on_connect = on_connect
    client.on_subscribe = on_subscribe
    facts: dict[str, Any] = {
        "broker": f"{broker.host}:{broker.port}",
        "tls": broker.tls is not None,
    }
    try:
        client.connect(broker.host, broker.port, keepalive=broker.keepalive_s)
    except (OSError, ValueError) as err:
        return ProbeResult(False, f"cannot connect to {broker.host}:{broker.port}: {err}", facts)
    client.loop_start()
    try:
        done.wait(timeout)
    finally:
        client.disconnect()
        client.loop_stop()
    facts |= outcome
    return _probe_verdict(outcome, facts, filters)


def _probe_verdict(
    outcome: dict[str, Any], facts: dict[str, Any], filters: Sequence[str]
) -> ProbeResult:
    if "connack" not in outcome:
        return ProbeResult(False, "no answer from the broker in time", facts)
    if "granted" not in outcome:
        return ProbeResult(False, f"broker refused the connection: {outcome['connack']}", facts)
    refused = [f for f, r in zip(filters, outcome["granted"], strict=False) if "Granted" not in r]
    if refused:
        return ProbeResult(False, f"broker refused subscriptions: {', '.join(refused)}", facts)
    return ProbeResult(True, f"connected and subscribed to {len(filters)} filter(s)", facts)


class BrokerConnectorConfig(Protocol):
    """What a session-based connector needs from its configuration."""

    @property
    def id(self) -> str:
        """The connector id."""
        ...

    @property
    def broker(self) -> BrokerConfig:
        """Where and how to connect."""
        ...


class SessionConnector:
    """The connector shell every MQTT flavour shares: one session, its metrics and a probe."""

    config: BrokerConnectorConfig
    session: MqttSession
    _metrics: ConnectorMetrics

    @property
    def id(self) -> str:
        """The connector id; the ``source`` of its records."""
        return self.config.id

    @property
    def metrics(self) -> ConnectorMetrics:
        """Its counters."""
        return self._metrics

    def start(self, sink: Sink) -> None:
        """Start receiving in background threads."""
        self.session.start(sink)

    def close(self, timeout: float = 30.0) -> None:
        """Finish and acknowledge the batch in hand, then disconnect."""
        self.session.stop(timeout)

    async def run(self, sink: Sink) -> None:
        """Receive until ``stop``; reconnects happen inside the session."""
        self.start(sink)
        try:
            await asyncio.to_thread(self.session.finished.wait)
        finally:
            await asyncio.to_thread(self.close)

    async def stop(self) -> None:
        """Shut down cleanly."""
        await asyncio.to_thread(self.close)

    async def probe(self) -> ProbeResult:
        """Connect and subscribe once with a throw-away session."""
        return await asyncio.to_thread(self.probe_now)

    def probe_now(self) -> ProbeResult:
        """The probe, synchronously."""
        options = self.session.options
        return probe_broker(self.config.broker, options.client_id, options.filters, options.qos)
