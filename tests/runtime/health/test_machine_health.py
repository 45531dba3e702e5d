"""Which configured connectors feed a machine, for the machines page."""

from __future__ import annotations

from pabrik.connectors.modbus.config import ModbusConfig
from pabrik.connectors.mqtt.config import MqttConfig
from pabrik.runtime.health.machines import connectors_of
from pabrik.runtime.plant.siteconfig import SiteConfig
from tests.connectors.modbus.server import PLANT


def test_a_connector_feeds_the_machines_its_mapping_names() -> None:
    point = {"machine": "press-2", "signal": "temperature", "address": 0}
    device = {"id": "d1", "host": "h", "points": [point]}
    modbus = {"kind": "modbus", "id": "plc-1", "devices": [device]}
    rule = {"filter": "lini/+n/state", "kind": "state", "machine": "press-{n}"}
    mqtt = {"kind": "mqtt", "id": "broker", "topic_map": [rule]}
    site = SiteConfig.model_validate({**PLANT, "connectors": [modbus, mqtt]})
    assert [c.id for c in connectors_of(site, "press-2")] == ["plc-1", "broker"]  # type: ignore[attr-defined]
    assert [type(c) for c in connectors_of(site, "press-1")] == [MqttConfig]
    assert isinstance(connectors_of(site, "press-2")[0], ModbusConfig)
    assert connectors_of(site, "press-3") != []  # a template names any machine it can match
