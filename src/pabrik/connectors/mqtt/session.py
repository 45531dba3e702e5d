"""One MQTT session: a network thread (paho), a batch thread, acks after commit, reconnects.

paho is not thread-safe for writes from several threads, so every call on the client (acks,
publishes, disconnect) happens on the network thread; other threads queue them in ``_outbox``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import datetime
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import MQTTErrorCode
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from pabrik.connectors.backoff import Backoff
from pabrik.connectors.contract import ConnectionState, ConnectorMetrics, Link, Sink
from pabrik.connectors.mqtt.client import (
    BufferedClient,
    Handler,
    Inbound,
    Outgoing,
    SessionOptions,
    connect_properties,
    new_client,
    utc_now,
)
from pabrik.connectors.mqtt.config import BrokerConfig
from pabrik.model.records import to_epoch_ms

log = logging.getLogger(__name__)

_IDLE_S = 0.005
_LOOP_TIMEOUT_S = 0.02


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
        # Written only by the network thread; read by anyone.
        self.link = Link(metrics)
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
    def state(self) -> ConnectionState:
        """Connected once the broker has acknowledged every subscription."""
        return self.link.state

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
        if isinstance(client, BufferedClient):
            client.on_raw_message = self._on_raw
        first = True
        while not self._stopping.is_set():
            if not first:
                self._wait(self._backoff.next_delay())
                if self._stopping.is_set():
                    break
            first = False
            self.link.set(ConnectionState.CONNECTING)
            if self._connect(client):
                self._serve(client)
            self.link.set(ConnectionState.DISCONNECTED)
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
            _confirm_acks(client, self.broker.connect_timeout_s)
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
            self.link.set(ConnectionState.CONNECTED)

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

    def _on_raw(self, topic: str | None, payload: bytes, qos: int, mid: int, retain: bool) -> None:
        # The same Inbound as _on_message, without paho's message object (issue 16).
        self._inbox.append(Inbound(topic, payload, qos, mid, self._generation, retain))

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
        """Up to batch_size messages (more of a backlog), waiting at most batch_interval."""
        inbox = self._inbox
        size = self.options.batch_limit(len(inbox))
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
            self._sink.submit(decoded.batch(), decoded.rejections)
        except Exception as err:  # noqa: BLE001 - any failure means: do not acknowledge
            self._note_error(f"a batch was not stored: {err!r}")
            # Unacknowledged QoS 1 messages come back after a reconnect; wait before trying.
            self._reconnect.set()
            self._stopping.wait(self._backoff.next_delay())
            return
        self.metrics.accepted += len(decoded.records) + len(decoded.rows)
        self.metrics.rejected += len(decoded.rejections)
        self.metrics.last_message_at = now
        newest = decoded.newest_ms()
        if newest is not None:
            self.metrics.lag_s = max(0.0, to_epoch_ms(now) / 1000 - newest / 1000)
        self._outbox.extend((m.generation, m.mid) for m in batch if m.qos > 0)


def _confirm_acks(client: paho.Client, timeout_s: float) -> None:
    """Wait for a ping's answer: the broker reads in order, so it then holds every ack sent."""
    # Closing a socket that still has unread messages resets it, and the broker may drop what
    # it had not read yet: the last acks, so a successor would get those messages again.
    send = getattr(client, "_send_pingreq", None)
    if send is None or send() != MQTTErrorCode.MQTT_ERR_SUCCESS:
        return
    deadline = time.monotonic() + timeout_s
    while getattr(client, "_ping_t", 0) and time.monotonic() < deadline:
        if client.loop(_LOOP_TIMEOUT_S) != MQTTErrorCode.MQTT_ERR_SUCCESS:
            return
