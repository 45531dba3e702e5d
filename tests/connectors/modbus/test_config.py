"""Modbus configuration inside the site YAML: overlaps and type rules rejected by path."""

from __future__ import annotations

import pytest
import yaml

from pabrik.connectors.modbus.config import ModbusConfig
from pabrik.connectors.modbus.connector import start_offsets
from pabrik.model.errors import ConfigError
from pabrik.runtime.plant.siteconfig import parse_site
from tests.connectors.modbus.server import PLANT


def site_with(points: list[dict[str, object]]) -> str:
    data = dict(PLANT)
    data["connectors"] = [
        {
            "kind": "modbus",
            "id": "plc",
            "devices": [{"id": "press", "host": "127.0.0.1", "points": points}],
        }
    ]
    return yaml.safe_dump(data, sort_keys=False)


def test_a_valid_register_map_loads_as_a_modbus_connector() -> None:
    site = parse_site(
        site_with(
            [
                {"machine": "press-1", "signal": "temperature", "address": 0, "type": "float32"},
                {"machine": "press-1", "role": "state", "table": "coil", "address": 0},
            ]
        )
    )
    assert isinstance(site.connectors[0], ModbusConfig)


def test_overlapping_registers_are_rejected_with_the_path_of_the_device() -> None:
    text = site_with(
        [
            {"machine": "press-1", "signal": "temperature", "address": 10, "type": "float32"},
            {"machine": "press-1", "signal": "pressure", "address": 11},
        ]
    )
    with pytest.raises(ConfigError) as caught:
        parse_site(text)
    issue = caught.value.issues[0]
    assert issue.path == "connectors[0].devices[0]"
    assert "points[1] (holding 11..11) overlaps points[0] (holding 10..11)" in issue.message
    assert "line" in issue.message


def test_the_same_address_in_different_tables_is_no_overlap() -> None:
    parse_site(
        site_with(
            [
                {"machine": "press-1", "signal": "temperature", "address": 5},
                {"machine": "press-1", "signal": "pressure", "table": "input", "address": 5},
            ]
        )
    )


@pytest.mark.parametrize(
    ("point", "message"),
    [
        (
            {
                "machine": "press-1",
                "signal": "flow",
                "table": "coil",
                "address": 0,
                "type": "int16",
            },
            "type must be bool",
        ),
        ({"machine": "press-1", "role": "state", "address": 0, "type": "string"}, "needs length"),
        ({"machine": "press-1", "address": 0}, "role sample needs signal"),
        (
            {"machine": "press-1", "signal": "flow", "address": 65535, "type": "uint32"},
            "past address 65535",
        ),
    ],
)
def test_inconsistent_points_are_explained(point: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_site(site_with([point]))
    assert message in str(caught.value)


def test_devices_start_staggered_over_their_interval() -> None:
    config = ModbusConfig.model_validate(
        {
            "id": "plc",
            "devices": [
                {
                    "id": f"d{i}",
                    "host": "h",
                    "poll_interval_s": 2.0,
                    "points": [{"machine": "press-1", "signal": "flow", "address": 0}],
                }
                for i in range(4)
            ],
        }
    )
    assert start_offsets(config) == [0.0, 0.5, 1.0, 1.5]
    assert start_offsets(config.model_copy(update={"stagger": False})) == [0.0] * 4
