"""The MQTT connector: JSON payloads of the unified namespace and of mapped foreign topics."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pabrik.connectors.contract import (
    KEPT_PAYLOAD_CHARS,
    ConnectorMetrics,
    InputRejection,
    decode_failure,
)
from pabrik.connectors.mqtt.client import Decoded, Inbound, Outgoing, SessionOptions
from pabrik.connectors.mqtt.config import MqttConfig
from pabrik.connectors.mqtt.diagnostics import diagnostics, session_details
from pabrik.connectors.mqtt.mapping import JsonDecoder
from pabrik.connectors.mqtt.session import MqttSession
from pabrik.connectors.mqtt.shell import SessionConnector
from pabrik.model.records import Record
from pabrik.model.site import Plant
from pabrik.model.validation import Rejection

# Kept with each rejected message, so that a fixed configuration can replay it.
REPLAY_FORMAT = "mqtt"


def raw_text(payload: bytes) -> str:
    """A payload's head as text for the dead-letter store (invalid UTF-8 replaced)."""
    return payload[: KEPT_PAYLOAD_CHARS * 4].decode("utf-8", "replace")[:KEPT_PAYLOAD_CHARS]


def rejection(source: str, topic: str | None, payload: bytes, why: Rejection) -> InputRejection:
    """An input rejection with the topic kept as replay context."""
    context = {"format": REPLAY_FORMAT, "topic": topic or ""}
    return InputRejection(source, why.code, why.detail, raw_text(payload), context)


class JsonHandler:
    """Decode batches of JSON messages."""

    def __init__(self, config: MqttConfig, plant: Plant) -> None:
        self.source = config.id
        self.decoder = JsonDecoder(config, plant)

    def decode(self, batch: Sequence[Inbound], now: datetime) -> Decoded:
        """Records and rejections of a batch; a message whose decoding raises is dead-lettered."""
        out = Decoded()
        rows, fast = out.rows, self.decoder.fast_rows
        for message in batch:
            try:
                if message.topic is not None and fast(message.topic, message.payload, rows):
                    continue
                found = self._one(message, now)
            except Exception as err:  # noqa: BLE001 - one message must never block the batch
                context = {"format": REPLAY_FORMAT, "topic": message.topic or ""}
                found = decode_failure(self.source, err, raw_text(message.payload), context)
            if isinstance(found, InputRejection):
                out.rejections.append(found)
            else:
                out.records.extend(found)
        return out

    def _one(self, message: Inbound, now: datetime) -> list[Record] | InputRejection:
        if message.topic is None:
            why = Rejection("unknown_topic", "topic is not valid UTF-8")
            return rejection(self.source, None, message.payload, why)
        found = self.decoder.decode(message.topic, message.payload, now)
        if isinstance(found, Rejection):
            return rejection(self.source, message.topic, message.payload, found)
        return found

    def will(self) -> Outgoing | None:
        """No last will for a plain subscriber."""
        return None

    def on_connected(self) -> list[Outgoing]:
        """Nothing to announce."""
        return []

    def on_closing(self) -> list[Outgoing]:
        """Nothing to say goodbye with."""
        return []


class MqttConnector(SessionConnector):
    """Subscribes to the broker and delivers decoded records to the sink in batches."""

    config: MqttConfig

    def __init__(self, config: MqttConfig, plant: Plant) -> None:
        self.config = config
        self.plant = plant
        self._metrics = ConnectorMetrics()
        self.session = MqttSession(
            config.broker,
            SessionOptions(
                client_id=config.broker.resolved_client_id(config.id),
                filters=tuple(config.filters(plant.site.id)),
                qos=config.qos,
                clean_start=not config.persistent_session,
                session_expiry_s=config.session_expiry_s,
                receive_maximum=config.receive_maximum,
                batch_size=config.batch_size,
                batch_interval_s=config.batch_interval_ms / 1000,
                max_pending=config.max_pending,
            ),
            JsonHandler(config, plant),
            self._metrics,
        )

    def diagnostics(self) -> dict[str, Any]:
        """State, counters, configuration and session, with secrets redacted."""
        return diagnostics(self.config, self._metrics, self.state, session_details(self.session))
