"""Site documents for the configuration tests: the small test plant, with and without secrets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pabrik.runtime.plant.siteconfig import SiteConfig, parse_site
from tests.connectors.peers import TEST_SITE, Broker

BASE = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
"""The first sample's time in the live tests: recent, so validation takes it."""

SECRET_MQTT = """
connectors:
  - kind: mqtt
    id: lab
    broker: {host: 127.0.0.1, port: 1883, username: pabrik, password: "rahasia: 'x' #1"}
    native: false
    topic_map:
      - {filter: "legacy/+machine/sensor", machine: "{machine}", kind: sample,
         signal: temperature, fields: {ts: t, value: v}}
"""


def site(extra: str = "") -> SiteConfig:
    """The test plant, plus any YAML appended (connectors, alarms)."""
    return parse_site(TEST_SITE + extra)


def renamed(base: SiteConfig, name: str) -> SiteConfig:
    """The same site under another display name: a small, visible change."""
    info = base.site.model_copy(update={"name": name})
    return base.model_copy(update={"site": info})


def lab_site(broker: Broker, signal: str, connector_id: str = "lab") -> SiteConfig:
    """The test plant with one MQTT connector mapping legacy topics to ``signal``."""
    return site(
        f"""
connectors:
  - kind: mqtt
    id: {connector_id}
    broker: {{host: {broker.host}, port: {broker.port}, client_id: live-{broker.port},
              reconnect_initial_s: 0.1, reconnect_max_s: 1}}
    native: false
    session_expiry_s: 600
    batch_interval_ms: 5
    topic_map:
      - {{filter: "legacy/+machine/sensor", machine: "{{machine}}", kind: sample,
         signal: {signal}, fields: {{ts: t, value: v}}}}
"""
    )


def with_third_press() -> SiteConfig:
    """The test plant with a machine press-3 (a temperature signal) added to line-1."""
    press_3 = (
        "          - id: press-3\n"
        "            name: {id: Mesin Press 3}\n"
        "            products: [{id: part-a, name: {id: Part A}, ideal_cycle_time_s: 2}]\n"
        "            signals: [{id: temperature, name: {id: Suhu}}]\n"
    )
    anchor = "          - id: press-2\n"
    return parse_site(TEST_SITE.replace(anchor, press_3 + anchor))


EVERY_KIND = """
connectors:
  - kind: modbus
    id: plc-lama
    stagger: true
    devices:
      - id: press-1-plc
        host: 10.0.0.21
        unit_id: 3
        poll_interval_s: 0.5
        points:
          - {machine: press-1, signal: temperature, address: 0, type: float32, word_order: little}
          - {machine: press-1, signal: pressure, address: 2, type: int16, scale: 0.1}
          - {machine: press-1, role: count, table: input, address: 0, type: uint32}
          - {machine: press-1, role: state, address: 10, type: string, length: 4,
             states: {RUN: running, IDLE: idle}}
  - kind: opcua
    id: press-hall
    endpoint: opc.tcp://10.0.0.5:4840
    username: pabrik
    password: "r@hasia: #1"
    mode: read
    read_interval_s: 2.5
    signals:
      - {node: "ns=2;s=Press2.Speed", machine: press-2, signal: speed}
      - {node: "ns=2;s=Press2.State", machine: press-2, role: state}
  - kind: sparkplug
    id: scada
    broker: {host: broker.local, port: 8883, client_id: pabrik-host, password: "x'y"}
    groups: [plant1]
    devices:
      - {edge: gw-1, device: press-2, machine: press-2,
         metrics: {Speed: speed, Status: {state: true}, Counter/Good: {count: good}}}
"""
"""One connector of each protocol kind, with secrets, non-default settings and nested maps."""
