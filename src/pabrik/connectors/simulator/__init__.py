"""Simulated plant: a deterministic connector for demos and tests."""

from __future__ import annotations

from pabrik.connectors.simulator.config import LineRoster, SimulatorConfig
from pabrik.connectors.simulator.connector import SimulatorConnector, SimulatorMetrics
from pabrik.connectors.simulator.plant import SimulatedPlant

__all__ = [
    "LineRoster",
    "SimulatedPlant",
    "SimulatorConfig",
    "SimulatorConnector",
    "SimulatorMetrics",
]
