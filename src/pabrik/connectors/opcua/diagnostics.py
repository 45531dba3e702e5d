"""A redacted view of the OPC UA connector for support."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from pabrik.connectors.contract import ConnectionState, ConnectorMetrics, report
from pabrik.connectors.opcua.config import OpcuaConfig


@dataclass(slots=True)
class SessionInfo:
    """What the current (or last) session set up, for tests and diagnostics."""

    subscriptions: list[int] = field(default_factory=list)
    monitored_items: int = 0
    create_calls: int = 0
    read_calls: int = 0
    rejected_nodes: dict[str, str] = field(default_factory=dict)


def diagnostics(
    config: OpcuaConfig,
    metrics: ConnectorMetrics,
    state: ConnectionState,
    details: Mapping[str, Any],
) -> dict[str, Any]:
    """The common report (see ``contract.report``) of one OPC UA connector."""
    return report(config.kind, config.id, config.model_dump(mode="json"), metrics, state, details)


def session_details(session: SessionInfo) -> dict[str, Any]:
    """What the current (or last) session set up: subscriptions, items, refused nodes."""
    return {"session": asdict(session)}
