"""A short-lived watcher of a broker: which topics carried messages in the last minute."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import paho.mqtt.client as paho

from pabrik.connectors.mqtt.client import new_client
from pabrik.connectors.mqtt.config import BrokerConfig

MAX_TOPICS = 500
SAMPLE_BYTES = 2048


@dataclass(slots=True)
class SeenTopic:
    """A topic and what came on it."""

    topic: str
    count: int
    last_seen: float
    last_payload: bytes


class TopicListener:
    """Subscribes with a clean throw-away session and remembers the topics it sees."""

    def __init__(self, broker: BrokerConfig, client_id: str, filters: Sequence[str]) -> None:
        self.filters = list(filters)
        self.error: str | None = None
        self.last_used = time.monotonic()
        self._seen: dict[str, SeenTopic] = {}
        self._lock = threading.Lock()
        self._client = new_client(broker, f"{client_id}-watch"[:128], clean_start=True)
        self._client.on_connect = self._on_connect
        self._client.on_message = self._on_message
        self._broker = broker

    def start(self) -> None:
        """Connect in paho's own thread; problems show in ``error``."""
        try:
            self._client.connect(self._broker.host, self._broker.port, self._broker.keepalive_s)
        except (OSError, ValueError) as err:
            self.error = f"cannot connect to {self._broker.host}:{self._broker.port}: {err}"
            return
        self._client.loop_start()

    def stop(self) -> None:
        """Disconnect and end paho's thread."""
        self._client.disconnect()
        self._client.loop_stop()

    def _on_connect(self, c: paho.Client, u: Any, f: Any, reason: Any, p: Any) -> None:
        if reason.is_failure:
            self.error = f"the broker refused the connection: {reason}"
            return
        self.error = None
        c.subscribe([(t, 0) for t in self.filters])

    def _on_message(self, c: paho.Client, u: Any, message: paho.MQTTMessage) -> None:
        now = time.monotonic()
        with self._lock:
            seen = self._seen.get(message.topic)
            if seen is None:
                if len(self._seen) >= MAX_TOPICS:
                    return
                seen = self._seen[message.topic] = SeenTopic(message.topic, 0, now, b"")
            seen.count += 1
            seen.last_seen = now
            seen.last_payload = bytes(message.payload[:SAMPLE_BYTES])

    def seen(self, window_s: float = 60.0) -> list[SeenTopic]:
        """Topics with a message in the last ``window_s`` seconds, by name."""
        now = time.monotonic()
        self.last_used = now
        with self._lock:
            recent = [s for s in self._seen.values() if now - s.last_seen <= window_s]
            return sorted(
                (SeenTopic(s.topic, s.count, s.last_seen, s.last_payload) for s in recent),
                key=lambda s: s.topic,
            )
