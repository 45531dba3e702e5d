"""Foreign topic layouts mapped by rules, over the broker and as pure decoding."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from pabrik.connectors.mqtt import MqttConfig, TopicRule
from pabrik.connectors.mqtt.mapping import JsonDecoder
from pabrik.model.records import CountRecord, SampleRecord, StateRecord
from pabrik.model.site import Plant
from pabrik.model.states import StateClass
from pabrik.model.validation import Rejection
from pabrik.runtime.ingest.connectors import IngestSink
from pabrik.storage.sqlite.store import SqliteStore
from tests.connectors.mqtt.helpers import RULES, Publisher, mqtt_config, started
from tests.connectors.peers import Broker, wait_until

NOW = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)


def decoder(plant: Plant) -> JsonDecoder:
    return JsonDecoder(MqttConfig.model_validate({"topic_map": RULES}), plant)


@pytest.mark.parametrize("code", ["3", 3, "RUN", "idle"])
def test_a_machine_state_map_applies_on_native_topics_as_on_mapped_ones(
    test_plant: Plant, code: object
) -> None:
    ts = NOW.isoformat()
    native = decoder(test_plant).decode(
        "pabrik/v1/uji/hall/line-1/press-1/state",
        json.dumps({"ts": ts, "state": code}).encode(),
        NOW,
    )
    mapped = decoder(test_plant).decode("plc1/status", json.dumps(code).encode(), NOW)
    expected = {"3": StateClass.UNPLANNED_STOP, "RUN": StateClass.RUNNING, "idle": StateClass.IDLE}
    for found in (native, mapped):
        assert not isinstance(found, Rejection), found
        [record] = found
        assert isinstance(record, StateRecord)
        assert record.state is expected[str(code)]


def test_named_wildcards_regex_groups_and_json_paths_map_foreign_payloads(
    test_plant: Plant,
) -> None:
    d = decoder(test_plant)
    ms = int(NOW.timestamp() * 1000)
    samples = d.decode(
        "gw/l1/press-1/telemetry",
        json.dumps({"time": ms, "data": {"t": 40, "p": 99.5}}).encode(),
        NOW,
    )
    assert isinstance(samples, list)
    assert {(s.signal_id, s.value) for s in samples if isinstance(s, SampleRecord)} == {
        ("temperature", 40.0),
        ("pressure", 99.5),
    }
    state = d.decode("plc1/status", b"3", NOW)
    assert isinstance(state, list)
    assert isinstance(state[0], StateRecord)
    assert (state[0].machine_id, state[0].state, state[0].ts) == (
        "press-1",
        StateClass.UNPLANNED_STOP,
        NOW,
    )
    count = d.decode("gw/counter/a/b", json.dumps({"ok": 12, "nok": 1, "t": ms}).encode(), NOW)
    assert isinstance(count, list)
    assert isinstance(count[0], CountRecord)
    assert (count[0].good, count[0].scrap) == (12, 1)
    legacy = d.decode(
        "legacy/press-2/speed", json.dumps({"v": 1450, "t": NOW.isoformat()}).encode(), NOW
    )
    assert isinstance(legacy, list)
    assert legacy[0] == SampleRecord("mqtt", "press-2", "speed", NOW, 1450.0)


@pytest.mark.parametrize(
    ("topic", "payload", "code"),
    [
        ("plc9/status", b"1", "unknown_machine"),
        ("plc1/status", b"42", "unknown_state"),
        ("legacy/press-2/ghost", b'{"v": 1, "t": 0}', "unknown_signal"),
        ("gw/l1/press-1/telemetry", b'{"data": {"t": 1, "p": 2}}', "missing_field"),
        (
            "gw/l1/press-1/telemetry",
            b'{"time": 1700000000000, "data": {"t": "hot", "p": 2}}',
            "wrong_type",
        ),
        ("somewhere/else", b"{}", "unknown_topic"),
    ],
)
def test_mapped_messages_that_do_not_fit_are_refused_with_a_reason(
    test_plant: Plant, topic: str, payload: bytes, code: str
) -> None:
    found = decoder(test_plant).decode(topic, payload, NOW)
    assert isinstance(found, Rejection)
    assert found.code == code


def test_rules_are_checked_when_the_configuration_loads() -> None:
    with pytest.raises(ValidationError, match="not bound by the topic"):
        TopicRule.model_validate({"filter": "a/+x", "machine": "{y}", "kind": "state"})
    with pytest.raises(ValidationError, match="exactly one of filter or regex"):
        TopicRule.model_validate({"machine": "m", "kind": "state"})
    with pytest.raises(ValidationError, match="needs signal or signals"):
        TopicRule.model_validate({"filter": "a/b", "machine": "m", "kind": "sample"})
    config = MqttConfig.model_validate({"topic_map": RULES, "share_group": "ingest"})
    assert config.filters("uji") == [
        "$share/ingest/pabrik/v1/uji/#",
        "$share/ingest/gw/+/+/telemetry",
        "$share/ingest/+/status",
        "$share/ingest/gw/counter/#",
        "$share/ingest/legacy/+/+",
    ]


def test_a_gateway_layout_is_ingested_over_the_broker_without_reconfiguring_it(
    broker: Broker,
    test_plant: Plant,
    store: SqliteStore,
    sink: IngestSink,
    unique: Callable[[str], str],
) -> None:
    connector = started(mqtt_config(broker, unique("map"), topic_map=RULES), test_plant, sink)
    pub = Publisher(broker)
    ms = int(NOW.timestamp() * 1000)
    try:
        pub.send("gw/l1/press-1/telemetry", json.dumps({"time": ms, "data": {"t": 40, "p": 99}}))
        pub.send("plc1/status", "RUN")
        pub.send("legacy/press-2/speed", json.dumps({"v": 1450, "t": ms}))
        wait_until(
            lambda: store.row_counts()["samples"] == 3 and store.row_counts()["states"] == 1,
            what="3 samples and a state",
        )
    finally:
        pub.close()
        connector.close()
