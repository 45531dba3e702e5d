"""``pabrik config check`` refuses connector mappings to machines and signals the plant lacks."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from pabrik.cli.app import app
from pabrik.model.errors import ConfigError
from pabrik.runtime.plant.siteconfig import parse_site

PLANT = """\
site: {id: pabrik-a, name: PT Contoh}
calendar:
  shifts:
    - {id: pagi, name: {id: Pagi}, start: "07:00", end: "15:00"}
areas:
  - id: hall
    name: {id: Aula}
    lines:
      - id: line-1
        name: {id: Lini 1}
        machines:
          - id: m1
            name: {id: Mesin 1}
            signals:
              - {id: temp, name: {id: Suhu}}
            products:
              - {id: cap, name: {id: Tutup}, ideal_cycle_time_s: 12}
connectors:
"""

MODBUS = """\
  - kind: modbus
    id: plc-link
    devices:
      - id: plc
        host: 127.0.0.1
        points:
          - {machine: m1, signal: temp, address: 0}
          - {machine: ghost, signal: temp, address: 1}
          - {machine: m1, signal: pressure, address: 2}
"""
OPCUA = """\
  - kind: opcua
    id: ua
    endpoint: opc.tcp://127.0.0.1:4840
    signals:
      - {node: "ns=2;s=A", machine: m1, signal: temp}
      - {node: "ns=2;s=B", machine: ghost, role: state}
"""
SPARKPLUG = """\
  - kind: sparkplug
    groups: [plant]
    devices:
      - {edge: e1, machine: ghost, metrics: {Temp: temp}}
      - {edge: e2, machine: m1, metrics: {Temp: temp, Hum: humidity, Run: {state: true}}}
"""
MQTT = """\
  - kind: mqtt
    topic_map:
      - {filter: "f/+n/t", kind: sample, machine: "m{n}", signal: temp}
      - {filter: "g/t", kind: sample, machine: ghost, signal: temp}
      - {filter: "h/t", kind: sample, machine: m1, signals: {temp: a, volts: b}}
"""
SIMULATOR = """\
  - kind: simulator
    seed: 1
    power_kw: {m1: 5, ghost: 7}
    rosters: {line-9: {shifts: [pagi]}}
"""


def issues(text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_site(text, "site.yaml")
    return [str(i) for i in info.value.issues]


def test_modbus_points_to_unknown_machines_or_signals_are_refused_by_path_and_line() -> None:
    assert issues(PLANT + MODBUS) == [
        "connectors[0].devices[0].points[1].machine: unknown machine 'ghost' (line 26)",
        "connectors[0].devices[0].points[2].signal: machine 'm1' has no signal 'pressure'"
        " (line 27)",
    ]


def test_opcua_nodes_to_unknown_machines_are_refused() -> None:
    assert issues(PLANT + OPCUA) == [
        "connectors[0].signals[1].machine: unknown machine 'ghost' (line 24)"
    ]


def test_sparkplug_devices_and_metrics_are_checked_against_the_plant() -> None:
    assert issues(PLANT + SPARKPLUG) == [
        "connectors[0].devices[0].machine: unknown machine 'ghost' (line 22)",
        "connectors[0].devices[1].metrics.Hum: machine 'm1' has no signal 'humidity' (line 23)",
    ]


def test_mqtt_rules_are_checked_unless_their_machine_is_a_template() -> None:
    assert issues(PLANT + MQTT) == [
        "connectors[0].topic_map[1].machine: unknown machine 'ghost' (line 22)",
        "connectors[0].topic_map[2].signal: machine 'm1' has no signal 'volts' (line 23)",
    ]


def test_simulator_power_and_rosters_name_known_machines_and_lines() -> None:
    assert issues(PLANT + SIMULATOR) == [
        "connectors[0].power_kw.ghost: unknown machine 'ghost' (line 21)",
        "connectors[0].rosters.line-9: unknown line 'line-9' (line 22)",
    ]


def test_config_check_command_fails_on_an_unknown_machine(tmp_path: Path) -> None:
    site = tmp_path / "site.yaml"
    site.write_text(PLANT + MODBUS, encoding="utf-8")
    result = CliRunner().invoke(app, ["config", "check", str(site)])
    assert result.exit_code == 2
    assert "unknown machine 'ghost'" in result.output
    assert "OK" not in result.output
