"""The fast path (native sample messages as rows) gives exactly what the decoder gives."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pabrik.connectors.mqtt import MqttConfig
from pabrik.connectors.mqtt.client import Inbound
from pabrik.connectors.mqtt.connector import JsonHandler
from pabrik.connectors.mqtt.mapping import JsonDecoder
from pabrik.model.batch import RecordBatch
from pabrik.model.site import Plant
from pabrik.model.validation import Rejection

NOW = datetime(2025, 3, 10, tzinfo=UTC)
TOPICS = [
    "pabrik/v1/uji/hall/line-1/press-1/sample",
    "pabrik/v1/uji/hall/line-1/press-2/sample",
    "pabrik/v1/uji/hall/line-2/press-1/sample",
    "pabrik/v1/uji/hall/line-1/press-1/sample/temperature",
    "pabrik/v1/uji/hall/line-1/press-1/state",
]
numbers = (
    st.floats(allow_nan=True, allow_infinity=True)
    | st.integers(min_value=-(10**400), max_value=10**400)
    | st.booleans()
    | st.none()
    | st.text(max_size=4)
)
timestamps = (
    st.integers(min_value=-5, max_value=10**15)
    | st.floats(allow_nan=True)
    | st.sampled_from(["2025-03-10T07:00:00+07:00", "2025-03-10T07:00:00", "nonsense", ""])
    | st.none()
)
keys = st.sampled_from(["temperature", "vibration", "pressure", "speed", "Temperature", "x"])
messages = st.fixed_dictionaries(
    {"ts": timestamps},
    optional={
        "quality": st.sampled_from(["good", "bad", "uncertain", "GOOD", None, 1]),
    },
).flatmap(lambda head: st.dictionaries(keys, numbers, max_size=4).map(lambda v: head | v))


def _payload(data: dict[str, object]) -> bytes:
    return json.dumps(data).encode()


@settings(max_examples=500, deadline=None, suppress_health_check=list(HealthCheck))
@given(topic=st.sampled_from(TOPICS), data=messages)
def test_a_message_gives_the_same_records_or_refusal_on_both_paths(
    test_plant: Plant, topic: str, data: dict[str, object]
) -> None:
    config = MqttConfig.model_validate({})
    payload = _payload(data)
    expected = JsonDecoder(config, test_plant).decode(topic, payload, NOW)
    decoded = JsonHandler(config, test_plant).decode([Inbound(topic, payload, 1, 1, 1)], NOW)
    if isinstance(expected, Rejection):
        assert not decoded.rows
        assert [(r.reason_code, r.detail) for r in decoded.rejections] == [
            (expected.code, expected.detail)
        ]
    else:
        assert not decoded.rejections
        assert list(RecordBatch(decoded.records, decoded.rows)) == expected


def test_a_plain_message_takes_the_fast_path(test_plant: Plant) -> None:
    payload = _payload({"ts": 1741564800000, "temperature": 40, "vibration": 2.5})
    topic = TOPICS[0]
    decoded = JsonHandler(MqttConfig.model_validate({}), test_plant).decode(
        [Inbound(topic, payload, 1, 1, 1)], NOW
    )
    assert decoded.records == []
    assert decoded.rows == [
        ("press-1", "temperature", 1741564800000, "mqtt", 40.0, "good"),
        ("press-1", "vibration", 1741564800000, "mqtt", 2.5, "good"),
    ]
