"""A Modbus connector takes a new register map in place when its devices' links stay."""

from __future__ import annotations

from typing import Any

import pytest

from pabrik.connectors.modbus.config import ModbusConfig, ModbusPoint
from pabrik.connectors.modbus.connector import ModbusConnector
from pabrik.connectors.modbus.mapping import PointTracker, carry_tracker
from pabrik.model.site import Plant
from pabrik.model.states import StateClass

pytestmark = pytest.mark.anyio


def point(**kw: Any) -> ModbusPoint:
    return ModbusPoint.model_validate({"machine": "press-1", **kw})


def config(host: str = "127.0.0.1", signal: str = "temperature") -> ModbusConfig:
    return ModbusConfig.model_validate(
        {
            "id": "plc",
            "devices": [
                {
                    "id": "press-1-plc",
                    "host": host,
                    "points": [{"machine": "press-1", "signal": signal, "address": 0}],
                }
            ],
        }
    )


def test_what_is_known_of_a_register_follows_it_to_its_new_index() -> None:
    old = [
        point(signal="temperature", address=0),
        point(role="count", address=1, type="uint32"),
        point(role="state", address=3, states={"1": "running"}),
    ]
    new = [
        point(role="state", address=3),  # its state map may change; the register is the same
        point(role="count", count_field="scrap", address=1, type="uint32"),
        point(signal="vibration", address=0, scale=2.0),  # another scale: another reading
    ]
    tracker = PointTracker(
        counters={1: 41}, states={2: StateClass.RUNNING}, last_values={0: 7.0}, bad={0: "x"}
    )
    carried = carry_tracker(tracker, old, new)
    assert carried.counters == {1: 41}
    assert carried.states == {0: StateClass.RUNNING}
    assert carried.last_values == {}
    assert carried.bad == {}


async def test_the_same_devices_are_remapped_in_place_and_another_host_is_not(
    plant: Plant,
) -> None:
    connector = ModbusConnector(config(), plant)
    assert await connector.reconfigure(config(signal="pressure"), plant)
    assert connector.config.devices[0].points[0].signal == "pressure"
    assert not await connector.reconfigure(config(host="10.0.0.9"), plant)
    assert connector.config.devices[0].host == "127.0.0.1"
