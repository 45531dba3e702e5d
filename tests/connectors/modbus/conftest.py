"""The modbus folder's plant: the test server's machines and signals (see server.py)."""

from __future__ import annotations

import pytest

from pabrik.model.site import Plant
from tests.connectors.modbus.server import PLANT


@pytest.fixture
def plant() -> Plant:
    return Plant.model_validate(PLANT)
