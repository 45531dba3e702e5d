"""A redacted view of the Sparkplug connector: configuration, node sessions and counters."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pabrik.connectors.contract import ConnectionState, ConnectorMetrics, report
from pabrik.connectors.mqtt.diagnostics import session_details

if TYPE_CHECKING:
    from pabrik.connectors.mqtt.session import MqttSession
    from pabrik.connectors.sparkplug.config import SparkplugConfig
    from pabrik.connectors.sparkplug.session import NodeSession


def diagnostics(
    config: SparkplugConfig,
    metrics: ConnectorMetrics,
    state: ConnectionState,
    details: Mapping[str, Any],
) -> dict[str, Any]:
    """The common report (see ``contract.report``) of one Sparkplug B host."""
    return report(config.kind, config.id, config.model_dump(mode="json"), metrics, state, details)


def host_details(
    session: MqttSession, nodes: Mapping[tuple[str, str], NodeSession]
) -> dict[str, Any]:
    """The MQTT session, and each Edge Node's birth, sequence numbers and devices."""
    born = {
        f"{group}/{edge}": {
            "born": node.born,
            "bd_seq": node.bd_seq,
            "seq": node.seq,
            "devices": sorted(d for d in node.scopes if d is not None),
        }
        for (group, edge), node in nodes.items()
    }
    return session_details(session) | {"nodes": born}
