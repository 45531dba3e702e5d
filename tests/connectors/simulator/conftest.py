"""Shared fixtures: the demo plant and its simulator config."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from pabrik.connectors.simulator import SimulatorConfig
from pabrik.model.site import Plant
from tests.paths import DEMO


@pytest.fixture(scope="session")
def demo_path() -> Path:
    return DEMO


@pytest.fixture(scope="session")
def demo_data(demo_path: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(demo_path.read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="session")
def demo_plant(demo_data: dict[str, Any]) -> Plant:
    return Plant.model_validate(
        {k: v for k, v in demo_data.items() if k not in {"connectors", "alarms"}}
    )


@pytest.fixture(scope="session")
def demo_config(demo_data: dict[str, Any]) -> SimulatorConfig:
    entry = next(c for c in demo_data["connectors"] if c["kind"] == "simulator")
    return SimulatorConfig.model_validate(entry)
