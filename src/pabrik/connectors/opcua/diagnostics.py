"""A redacted view of the OPC UA connector for support."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from pabrik.connectors.contract import ConnectorMetrics, redact
from pabrik.connectors.opcua.config import OpcuaConfig

if TYPE_CHECKING:
    from pabrik.connectors.opcua.connector import SessionInfo


def diagnostics(
    config: OpcuaConfig, session: SessionInfo, metrics: ConnectorMetrics
) -> dict[str, Any]:
    """Configuration (password and key password redacted), session and counters."""
    data = config.model_dump(mode="json")
    if config.password is not None:
        data["password"] = config.password.get_secret_value()
    data = {
        "config": data,
        "session": asdict(session),
        "metrics": asdict(metrics),
    }
    # redact() replaces every secret-named key, whatever pydantic rendered for it.
    return dict(redact(data))
