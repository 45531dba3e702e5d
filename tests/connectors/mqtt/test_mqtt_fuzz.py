"""Fuzz the JSON decoder: whatever arrives, it returns records or a rejection, never raises."""

from __future__ import annotations

import dataclasses
import itertools
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pabrik.connectors.mqtt import MqttConfig
from pabrik.connectors.mqtt.mapping import JsonDecoder
from pabrik.model.records import Record, SampleRecord
from pabrik.model.site import Plant
from pabrik.model.validation import Rejection
from pabrik.runtime.ingest.connectors import IngestSink
from pabrik.runtime.ingest.pipeline import Ingestor
from pabrik.storage.sqlite.store import SqliteStore
from tests.connectors.mqtt.helpers import RULES, Publisher, mqtt_config, roomy_plant, started
from tests.connectors.peers import Broker, wait_until

NOW = datetime(2025, 3, 10, tzinfo=UTC)
NOW_PLUS = datetime.now(UTC) + timedelta(hours=1)

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
TOPICS = [
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
topics = st.sampled_from(TOPICS) | st.text(max_size=40)


@pytest.mark.slow
@settings(max_examples=2_000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(topic=topics, payload=payloads)
def test_the_json_decoder_never_raises(test_plant: Plant, topic: str, payload: bytes) -> None:
    decoder = JsonDecoder(MqttConfig.model_validate({"topic_map": RULES}), test_plant)
    found = decoder.decode(topic, payload, NOW)
    if not isinstance(found, Rejection):
        assert all(r.machine_id in {"press-1", "press-2"} for r in found)
        assert all(r.ts.tzinfo is not None for r in found)
        assert all(isinstance(r, SampleRecord) is False or r.value == r.value for r in found)


# -- hostile inputs: what a security test throws at the decoder -------------------------------

GOOD_TOPIC = "pabrik/v1/uji/hall/line-1/press-1/sample/temperature"
GOOD = json.dumps({"ts": NOW.isoformat(), "value": 1.0}).encode()


def _nested(depth: int, kind: str) -> bytes:
    if kind == "[":
        return b"[" * depth + b"]" * depth
    return b'{"a":' * depth + b"1" + b"}" * depth


cores = st.one_of(
    st.builds(
        _nested, st.sampled_from([2, 99, 999, 1000, 1001, 5000, 100_000]), st.sampled_from("[{")
    ),
    st.sampled_from(
        [
            b"1e308",
            b"-1e308",
            b"1e309",
            b"-1e400",
            b"1e-400",
            b"1" + b"0" * 4000,  # 10**4000 as JSON text
            b"-1" + b"0" * 5000,  # beyond Python's digit limit for int()
            b"0." + b"0" * 1000 + b"1",
            b"NaN",
            b"-Infinity",
            b"true",
            b"null",
            b'"RUN"',
            b'"\\ud800"',  # a lone surrogate, spelled as a JSON escape
            b'"\xff\xfe"',  # invalid UTF-8
            b"[]",
            b"{}",
        ]
    ),
    st.integers(0, 300_000).map(lambda n: b'"' + b"x" * n + b'"'),  # huge text fields
    st.binary(max_size=40),
)
wrappers = st.sampled_from(
    [
        (b"", b""),
        (b'{"ts": 1741564800000, "value": ', b"}"),
        (b'{"ts": 1741564800000, "temperature": ', b"}"),
        (b'{"ts": 1741564800000, "state": ', b"}"),
        (b'{"ts": 1741564800000, "state": "idle", "reason": ', b"}"),
        (b'{"ts": 1741564800000, "state": "idle", "product": ', b"}"),
        (b'{"ts": 1741564800000, "good": ', b"}"),
        (b'{"ts": ', b', "value": 1}'),
        (b'{"time": 1741564800000, "data": {"t": ', b"}}"),
        (b'{"t": 1741564800000, "ok": ', b"}"),
        (b'{"t": 1741564800000, "v": ', b"}"),
        (b'{"ts": 1741564800000, ', b": 1}"),
    ]
)
hostile = st.builds(lambda w, core: w[0] + core + w[1], wrappers, cores)


def _storable(record: Record) -> bool:
    """Every text field of a record can be written by a store (no lone surrogates)."""
    texts = [getattr(record, f.name) for f in dataclasses.fields(record)]
    return all(t.encode("utf-8", "strict") is not None for t in texts if isinstance(t, str))


@pytest.fixture(scope="module")
def big_plant() -> Plant:
    return roomy_plant()


@pytest.mark.slow
@settings(max_examples=10_000, deadline=None, suppress_health_check=list(HealthCheck))
@given(topic=topics, payload=hostile)
def test_after_any_hostile_payload_the_next_good_message_decodes(
    big_plant: Plant, topic: str, payload: bytes
) -> None:
    decoder = JsonDecoder(MqttConfig.model_validate({"topic_map": RULES}), big_plant)
    found = decoder.decode(topic, payload, NOW)
    if not isinstance(found, Rejection):
        assert all(_storable(r) for r in found)
    after = decoder.decode(GOOD_TOPIC, GOOD, NOW)
    assert not isinstance(after, Rejection)
    assert [r.value for r in after if isinstance(r, SampleRecord)] == [1.0]


_numbers = itertools.count(1)
_BASE = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=30)
broker_topics = st.sampled_from(TOPICS)


@pytest.mark.slow
@settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck))
@given(batch=st.lists(st.tuples(broker_topics, hostile), min_size=40, max_size=40))
def test_hostile_messages_through_the_broker_never_stop_the_good_ones(
    broker: Broker,
    store: SqliteStore,
    unique: Callable[[str], str],
    batch: list[tuple[str, bytes]],
) -> None:
    plant = roomy_plant()
    config = mqtt_config(broker, unique("fuzz"), topic_map=RULES)
    connector = started(config, plant, IngestSink(Ingestor(store, plant)))
    pub = Publisher(broker)
    goods = [float(next(_numbers)) for _ in batch]
    try:
        for (topic, payload), value in zip(batch, goods, strict=True):
            ts = _BASE + timedelta(milliseconds=value)
            good = json.dumps({"ts": ts.isoformat(), "value": value})
            pub.send_many([(topic, payload), (GOOD_TOPIC, good)])
        wait_until(
            lambda: connector.metrics.received == 2 * len(batch), what="every message handled"
        )
    finally:
        pub.close()
        connector.close()
    stored = {s.value for s in store.samples("press-1", "temperature", _BASE, NOW_PLUS)}
    assert set(goods) <= stored
    assert connector.metrics.reconnects == 0
    assert connector.metrics.last_error is None
