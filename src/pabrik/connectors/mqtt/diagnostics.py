"""A redacted view of an MQTT connector for support: configuration, session and counters."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pabrik.connectors.contract import ConnectionState, ConnectorMetrics, report

if TYPE_CHECKING:
    from pabrik.connectors.mqtt.config import MqttConfig
    from pabrik.connectors.mqtt.session import MqttSession


def diagnostics(
    config: MqttConfig,
    metrics: ConnectorMetrics,
    state: ConnectionState,
    details: Mapping[str, Any],
) -> dict[str, Any]:
    """The common report (see ``contract.report``) of one MQTT connector."""
    return report(config.kind, config.id, config.model_dump(mode="json"), metrics, state, details)


def session_details(session: MqttSession) -> dict[str, Any]:
    """What the session is now: client id, filters, subscription and backlog."""
    return {
        "client_id": session.options.client_id,
        "filters": list(session.options.filters),
        "connected": session.connected.is_set(),
        "subscribed": session.subscribed.is_set(),
        "pending": session.pending,
    }
