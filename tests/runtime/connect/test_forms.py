"""Connector forms are generated from the configuration models: every field, both directions."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel, SecretStr, TypeAdapter

from pabrik.runtime.connect import forms
from pabrik.runtime.connect.service import EDITABLE, STARTERS
from pabrik.runtime.plant.siteconfig import ConnectorConfig

DOCS = Path(__file__).parents[3] / "docs"
ADAPTER: TypeAdapter[Any] = TypeAdapter(ConnectorConfig)


def _model_paths(model: type[BaseModel], prefix: str = "") -> set[str]:
    """Every field of a model and its nested models, as dotted form names (row 0 for lists)."""
    out: set[str] = set()
    for spec in forms.fields_of(model):
        name = f"{prefix}{spec.key}"
        if spec.widget == "group":
            assert spec.model is not None
            out |= _model_paths(spec.model, f"{name}.")
        elif spec.widget == "table":
            assert spec.model is not None
            out |= _model_paths(spec.model, f"{name}.0.")
        else:
            out.add(name)
    return out


def _declared(model: type[BaseModel], prefix: str = "") -> set[str]:
    """The same walk done on pydantic's own field list, independently of the form code."""
    out: set[str] = set()
    for key, info in model.model_fields.items():
        nested = _nested(info.annotation)
        if nested is None:
            out.add(f"{prefix}{key}")
        else:
            cls, is_list = nested
            out |= _declared(cls, f"{prefix}{key}.0." if is_list else f"{prefix}{key}.")
    return out


def _nested(annotation: Any) -> tuple[type[BaseModel], bool] | None:
    text = repr(annotation)
    for arg in getattr(annotation, "__args__", ()) or ():
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg, "list[" in text
        found = _nested(arg)
        if found is not None and "dict[" not in repr(annotation):
            return found[0], found[1] or "list[" in text
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, False
    return None


@pytest.mark.parametrize("kind", sorted(EDITABLE))
def test_the_form_has_every_field_of_the_model_and_nothing_else(kind: str) -> None:
    model = EDITABLE[kind]
    assert _model_paths(model) == _declared(model)


def _doc_examples() -> list[Any]:
    found = []
    for doc in ("connectors-mqtt.md", "connectors-opcua-modbus.md"):
        for block in re.findall(r"```yaml\n(.*?)```", (DOCS / doc).read_text(), re.DOTALL):
            data = yaml.safe_load(block)
            if isinstance(data, dict):
                items = data.get("connectors") or []
                found += [ADAPTER.validate_python(i) for i in items if i.get("kind") in EDITABLE]
    return found


def test_every_documented_example_survives_a_trip_through_the_form() -> None:
    examples = _doc_examples()
    assert {c.kind for c in examples} == set(EDITABLE)
    for config in examples:
        decoded = forms.decode(type(config), forms.encode(config), config)
        assert decoded.errors == []
        assert decoded.config == config


def test_a_secret_is_never_encoded_and_a_blank_one_keeps_the_saved_value() -> None:
    config = ADAPTER.validate_python(
        {"kind": "mqtt", "id": "gw", "broker": {"username": "u", "password": "s3cret-Pw"}}
    )
    flat = forms.encode(config)
    assert "s3cret-Pw" not in repr(flat)
    assert "broker.password" not in flat
    assert forms.secret_set(config, "broker.password")
    kept = forms.decode(type(config), flat, config).config
    assert kept is not None
    assert kept.broker.password == SecretStr("s3cret-Pw")  # type: ignore[attr-defined]
    changed = forms.decode(type(config), {**flat, "broker.password": "new"}, config).config
    assert changed is not None
    assert changed.broker.password.get_secret_value() == "new"  # type: ignore[attr-defined]


def test_errors_name_the_form_field_by_its_yaml_path() -> None:
    values = {
        **STARTERS["modbus"],
        "id": "plc",
        "devices.0.port": "99999",
        "devices.0.points.0.machine": "press-1",
        "devices.0.points.0.signal": "temp",
        "devices.0.points.0.address": "0",
    }
    decoded = forms.decode(EDITABLE["modbus"], values)
    assert decoded.config is None
    assert [e.name for e in decoded.errors] == ["devices.0.port"]


def test_rows_marked_for_deletion_are_left_out() -> None:
    values = {
        "id": "plc",
        "devices.0.__row": "",
        "devices.0.id": "d",
        "devices.0.host": "h",
        **{f"devices.0.points.{i}.{k}": v for i in (0, 1) for k, v in
           {"machine": "m", "signal": f"s{i}", "address": str(i)}.items()},
        "devices.0.points.1.__delete": "1",
    }  # fmt: skip
    config = forms.decode(EDITABLE["modbus"], values).config
    assert config is not None
    assert [p.signal for p in config.devices[0].points] == ["s0"]  # type: ignore[attr-defined]


# Every optional part set to something other than its default, so nothing hides behind one.
MAXIMAL: list[dict[str, Any]] = [
    {
        "kind": "mqtt", "id": "gw",
        "broker": {
            "host": "broker.lan", "port": 8883, "protocol": "3.1.1", "client_id": "c-1",
            "username": "u", "password": "p", "keepalive_s": 60, "connect_timeout_s": 5,
            "reconnect_initial_s": 1, "reconnect_max_s": 10,
            "tls": {"ca_file": "/etc/ca.pem", "cert_file": "/etc/c.pem", "key_file": "/etc/k.pem",
                    "key_password": "kp", "insecure": True},
        },
        "qos": 0, "persistent_session": False, "session_expiry_s": 60, "share_group": "g",
        "native": False, "subscriptions": ["a/#", "b/+"],
        "topic_map": [
            {"filter": "lantai/+m/suhu", "machine": "press-{m}", "kind": "sample",
             "signal": "temp", "fields": {"value": "$"}, "receive_time": True},
            {"regex": "x/(?P<m>[a-z]+)/count", "subscribe": "x/+/count", "machine": "{m}",
             "kind": "count", "fields": {"good": "g.n"}},
        ],
        "batch_size": 10, "batch_interval_ms": 5, "receive_maximum": 100, "max_pending": 1000,
    },
    {
        "kind": "sparkplug", "id": "scada", "groups": ["g1", "g2"], "host_id": "h",
        "devices": [
            {"group": "g1", "edge": "e", "device": "d", "machine": "m",
             "metrics": {"Temp": "temp", "Run": {"state": True},
                         "Good": {"count": "good", "cumulative": False}}},
        ],
        "rebirth_interval_s": 5, "batch_size": 10, "batch_interval_ms": 5,
    },
    {
        "kind": "opcua", "id": "ua", "endpoint": "opc.tcp://h:4840",
        "security": {"policy": "Basic256Sha256", "mode": "Sign", "certificate": "/c.der",
                     "private_key": "/k.pem", "private_key_password": "x",
                     "server_certificate": "/s.der", "application_uri": "urn:x"},
        "username": "u", "password": "p", "timeout_s": 2, "watchdog_interval_s": 2,
        "batch_size": 50, "mode": "read", "publishing_interval_ms": 250,
        "sampling_interval_ms": 100, "queue_size": 5, "read_interval_s": 0.5,
        "stale_after_intervals": 2, "bad_after_intervals": 4, "reconnect_initial_s": 1,
        "reconnect_max_s": 5,
        "signals": [
            {"node": "ns=2;s=A", "machine": "m", "role": "state", "states": {"1": "running"},
             "scale": 2, "offset": 1, "publishing_interval_ms": 100},
            {"node": "ns=2;s=B", "machine": "m", "role": "count", "count_field": "scrap"},
        ],
    },
    {
        "kind": "modbus", "id": "plc", "stagger": False, "reconnect_initial_s": 1,
        "reconnect_max_s": 5,
        "devices": [
            {"id": "d", "host": "10.0.0.2", "port": 5020, "unit_id": 3, "poll_interval_s": 0.5,
             "timeout_s": 2, "max_gap": 2, "max_registers_per_read": 60, "max_bits_per_read": 100,
             "points": [
                 {"machine": "m", "signal": "t", "address": 10, "type": "float32",
                  "word_order": "little", "byte_order": "little", "scale": 0.1, "offset": -5},
                 {"machine": "m", "role": "state", "table": "input", "address": 0,
                  "type": "string", "length": 4, "states": {"RUN": "running"}},
                 {"machine": "m", "role": "count", "table": "coil", "address": 3,
                  "count_field": "rework"},
             ]},
        ],
    },
]  # fmt: skip


@pytest.mark.parametrize("data", MAXIMAL, ids=[d["kind"] for d in MAXIMAL])
def test_a_connector_with_every_setting_changed_survives_the_form(data: dict[str, Any]) -> None:
    config = ADAPTER.validate_python(data)
    assert config.kind in EDITABLE
    # Without the previous configuration the secrets are gone (write-only), all else is kept.
    blank = forms.decode(type(config), forms.encode(config)).config
    assert blank is not None
    assert (blank != config) == ("password" in repr(data))
    assert forms.decode(type(config), forms.encode(config), config).config == config


def test_null_sets_an_optional_field_to_none_where_the_default_is_something_else() -> None:
    config = ADAPTER.validate_python({"kind": "sparkplug", "id": "s", "host_id": None})
    flat = forms.encode(config)
    assert flat["host_id"] == "null"
    again = forms.decode(type(config), flat).config
    assert again == config
    assert again.host_id is None  # type: ignore[union-attr]
