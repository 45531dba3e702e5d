"""Real peers for connector tests: a private Mosquitto, free ports, polling, a small test plant.

A private broker is started when the ``mosquitto`` binary exists; otherwise a broker already
listening on 127.0.0.1:1883 is used; otherwise the tests skip, except under CI=true where a
missing broker fails them. The fixtures over these live in tests/connectors/conftest.py; the
broker, free ports and port checks are bench/peers.py's (the federation bench shares them).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

import pytest
from bench.peers import Broker, free_port, mosquitto_binary, port_open

# Re-exported: the broker and the port helpers are shared with the federation bench.
__all__ = ["Broker", "free_port", "mosquitto_binary", "port_open"]

HOST = "127.0.0.1"
WAIT_S = 60.0

TEST_SITE = """
site: {id: uji, name: Pabrik Uji}
areas:
  - id: hall
    name: {id: Aula}
    lines:
      - id: line-1
        name: {id: Lini 1}
        machines:
          - id: press-1
            name: {id: Mesin Press 1}
            products: [{id: part-a, name: {id: Part A}, ideal_cycle_time_s: 2}]
            signals:
              - {id: temperature, name: {id: Suhu}, unit: "°C"}
              - {id: vibration, name: {id: Getaran}, unit: mm/s}
              - {id: pressure, name: {id: Tekanan}, unit: bar}
            state_map: {"1": running, "2": idle, "3": unplanned_stop, "RUN": running}
          - id: press-2
            name: {id: Mesin Press 2}
            products: [{id: part-a, name: {id: Part A}, ideal_cycle_time_s: 2}]
            signals:
              - {id: temperature, name: {id: Suhu}, unit: "°C"}
              - {id: speed, name: {id: Kecepatan}, unit: rpm}
calendar:
  timezone: Asia/Jakarta
  shifts: [{id: pagi, name: {id: Pagi}, start: "07:00", end: "15:00"}]
limits: {max_payload_bytes: 4096}
"""


def wait_until(check: Callable[[], bool], timeout: float = WAIT_S, what: str = "condition") -> None:
    """Poll ``check`` until it holds; fail with ``what`` after a generous timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def need_private() -> None:
    if mosquitto_binary() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("mosquitto is not installed, and CI needs it")
        pytest.skip("mosquitto is not installed; this test needs a private broker")


BrokerFactory = Callable[..., Broker]
