"""A redacted view of an MQTT connector for support: configuration, session and counters."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from pabrik.connectors.contract import ConnectorMetrics, redact

if TYPE_CHECKING:
    from pabrik.connectors.mqtt.client import MqttSession
    from pabrik.connectors.mqtt.config import MqttConfig


def describe(config: MqttConfig, metrics: ConnectorMetrics, session: MqttSession) -> dict[str, Any]:
    """Configuration (secrets redacted), connection state and metrics."""
    return {
        "config": redact(config.model_dump(mode="json")),
        "client_id": session.options.client_id,
        "filters": list(session.options.filters),
        "connected": session.connected.is_set(),
        "subscribed": session.subscribed.is_set(),
        "pending": session.pending,
        "metrics": asdict(metrics),
    }
