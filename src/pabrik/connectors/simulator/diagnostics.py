"""A view of the simulated plant connector in the common diagnostics report."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pabrik.connectors.contract import ConnectionState, ConnectorMetrics, report
from pabrik.connectors.simulator.config import SimulatorConfig


def diagnostics(
    config: SimulatorConfig,
    metrics: ConnectorMetrics,
    state: ConnectionState,
    details: Mapping[str, Any],
) -> dict[str, Any]:
    """The common report (see ``contract.report``) of the simulator."""
    return report(config.kind, config.id, config.model_dump(mode="json"), metrics, state, details)
