"""A private Mosquitto per test: sessions and queues start empty."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.connectors.peers import HOST, Broker, free_port, need_private


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    need_private()
    folder = tmp_path / "mosquitto"
    folder.mkdir()
    b = Broker(HOST, free_port(), folder)
    b.start()
    yield b
    b.stop()
