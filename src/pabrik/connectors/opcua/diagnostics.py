"""A redacted view of the OPC UA connector for support."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from pabrik.connectors.contract import ConnectionState, ConnectorMetrics, report
from pabrik.connectors.opcua.config import OpcuaConfig

if TYPE_CHECKING:
    from pabrik.connectors.opcua.connector import SessionInfo


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
