"""Fuzz the JSON decoder: whatever arrives, it returns records or a rejection, never raises."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pabrik.connectors.mqtt import MqttConfig
from pabrik.connectors.mqtt.mapping import JsonDecoder
from pabrik.model.records import SampleRecord
from pabrik.model.site import Plant
from pabrik.model.validation import Rejection
from tests.connectors.mqtt.helpers import RULES

NOW = datetime(2025, 3, 10, tzinfo=UTC)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
keys = st.sampled_from(
    ["ts", "value", "state", "good", "scrap", "quality", "temperature", "time", "data", "v", "t"]
)
objects = st.dictionaries(
    keys, json_values | st.integers(min_value=0, max_value=2 * 10**12), max_size=6
)
payloads = (
    st.binary(max_size=300)
    | objects.map(lambda d: json.dumps(d).encode())
    | json_values.map(lambda v: json.dumps(v).encode())
)
topics = st.sampled_from(
    [
        "pabrik/v1/uji/hall/line-1/press-1/sample/temperature",
        "pabrik/v1/uji/hall/line-1/press-1/sample",
        "pabrik/v1/uji/hall/line-1/press-1/state",
        "pabrik/v1/uji/hall/line-1/press-1/count",
        "pabrik/v1/uji/hall/line-2/press-1/count",
        "gw/l1/press-1/telemetry",
        "plc1/status",
        "gw/counter/x",
        "legacy/press-2/speed",
    ]
) | st.text(max_size=40)


@pytest.mark.slow
@settings(max_examples=10_000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(topic=topics, payload=payloads)
def test_the_json_decoder_never_raises(test_plant: Plant, topic: str, payload: bytes) -> None:
    decoder = JsonDecoder(MqttConfig.model_validate({"topic_map": RULES}), test_plant)
    found = decoder.decode(topic, payload, NOW)
    if not isinstance(found, Rejection):
        assert all(r.machine_id in {"press-1", "press-2"} for r in found)
        assert all(r.ts.tzinfo is not None for r in found)
        assert all(isinstance(r, SampleRecord) is False or r.value == r.value for r in found)
