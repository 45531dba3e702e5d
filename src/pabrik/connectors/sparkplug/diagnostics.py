"""A redacted view of the Sparkplug connector: configuration, node sessions and counters."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from pabrik.connectors.contract import redact

if TYPE_CHECKING:
    from pabrik.connectors.sparkplug.connector import SparkplugConnector


def describe(connector: SparkplugConnector) -> dict[str, Any]:
    """Configuration (secrets redacted), connection, node sessions and metrics."""
    nodes = {
        f"{group}/{edge}": {
            "born": node.born,
            "bd_seq": node.bd_seq,
            "seq": node.seq,
            "devices": sorted(d for d in node.scopes if d is not None),
        }
        for (group, edge), node in connector.handler.nodes.items()
    }
    return {
        "config": redact(connector.config.model_dump(mode="json")),
        "connected": connector.session.connected.is_set(),
        "nodes": nodes,
        "metrics": asdict(connector.metrics),
    }
