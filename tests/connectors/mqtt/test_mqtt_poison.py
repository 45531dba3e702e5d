"""No poison message: whatever one message does to a decoder, the rest of the batch is stored."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from pabrik.connectors.contract import KEPT_PAYLOAD_CHARS
from pabrik.connectors.mqtt import MqttConfig
from pabrik.connectors.mqtt.client import Inbound
from pabrik.connectors.mqtt.connector import JsonHandler
from pabrik.connectors.mqtt.mapping import JsonDecoder
from pabrik.model.records import Record
from pabrik.model.site import Plant
from pabrik.model.validation import Rejection
from pabrik.runtime.ingest.connectors import IngestSink
from pabrik.storage.sqlite.store import SqliteStore
from tests.connectors.mqtt.helpers import Publisher, mqtt_config, roomy_plant, started
from tests.connectors.peers import Broker, wait_until

MACHINE = "pabrik/v1/uji/hall/line-1/press-1"
# The security test's payload: 200 KB of nested brackets.
BOMB = b"[" * 100_000 + b"]" * 100_000
WINDOW = (datetime.now(UTC) - timedelta(hours=1), datetime.now(UTC) + timedelta(hours=1))


@pytest.fixture
def plant() -> Plant:
    """The test plant with a payload limit large enough to let the bomb reach the decoder."""
    return roomy_plant()


def good(value: float) -> str:
    """A good sample, its timestamp distinct per value (the natural key dedupes equal ones)."""
    ts = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=value)
    return json.dumps({"ts": ts.isoformat(), "value": value})


def test_a_nested_bracket_bomb_is_dead_lettered_and_the_good_messages_after_it_are_stored(
    broker: Broker, plant: Plant, store: SqliteStore, sink: IngestSink, unique: Callable[[str], str]
) -> None:
    connector = started(mqtt_config(broker, unique("bomb")), plant, sink)
    pub = Publisher(broker)
    try:
        pub.send(f"{MACHINE}/sample/temperature", BOMB)
        pub.send(f"{MACHINE}/state", BOMB)
        for value in (1.0, 2.0, 3.0):
            pub.send(f"{MACHINE}/sample/temperature", good(value))
        wait_until(
            lambda: len(store.samples("press-1", "temperature", *WINDOW)) == 3,
            what="the good messages after the bomb",
        )
    finally:
        pub.close()
        connector.close()
    letters = store.dead_letters(10, 0)
    assert [d.reason_code for d in letters] == ["malformed_json", "malformed_json"]
    assert all(0 < len(d.payload) <= KEPT_PAYLOAD_CHARS for d in letters)
    assert connector.metrics.reconnects == 0
    assert connector.metrics.last_error is None


def test_a_lone_surrogate_in_a_text_field_is_dead_lettered_not_a_batch_that_never_commits(
    broker: Broker, plant: Plant, store: SqliteStore, sink: IngestSink, unique: Callable[[str], str]
) -> None:
    connector = started(mqtt_config(broker, unique("surrogate")), plant, sink)
    pub = Publisher(broker)
    ts = datetime.now(UTC).isoformat()
    try:
        for field in ("order", "product", "reason"):
            pub.send(f"{MACHINE}/state", f'{{"ts": "{ts}", "state": "idle", "{field}": "\\ud800"}}')
        pub.send(f"{MACHINE}/sample", f'{{"ts": "{ts}", "\\udfff": 1}}')
        pub.send(f"{MACHINE}/sample/temperature", good(4.0))
        wait_until(
            lambda: len(store.samples("press-1", "temperature", *WINDOW)) == 1,
            what="the good message after the surrogates",
        )
    finally:
        pub.close()
        connector.close()
    assert len(store.dead_letters(10, 0)) == 4
    assert connector.metrics.reconnects == 0


class _Exploding(JsonDecoder):
    """A decoder with a bug: one payload makes it raise."""

    def decode(self, topic: str, payload: bytes, now: datetime) -> list[Record] | Rejection:
        if payload.startswith(b"boom"):
            raise ZeroDivisionError("a bug in a decoder")
        return super().decode(topic, payload, now)


def test_any_exception_while_decoding_one_message_dead_letters_only_that_message(
    plant: Plant,
) -> None:
    handler = JsonHandler(MqttConfig.model_validate({}), plant)
    handler.decoder = _Exploding(MqttConfig.model_validate({}), plant)
    topic = f"{MACHINE}/sample/temperature"
    batch = [
        Inbound(topic, good(1.0).encode(), 1, 1, 1),
        Inbound(topic, b"boom" + b"x" * 100_000, 1, 2, 1),
        Inbound(topic, good(2.0).encode(), 1, 3, 1),
    ]
    out = handler.decode(batch, datetime.now(UTC))
    assert [r.value for r in out.records] == [1.0, 2.0]  # type: ignore[attr-defined]
    [letter] = out.rejections
    assert letter.reason_code == "decode_error"
    assert "ZeroDivisionError" in letter.detail
    assert letter.payload.startswith("boom")
    assert len(letter.payload) <= KEPT_PAYLOAD_CHARS
    assert letter.context == {"format": "mqtt", "topic": topic}


@pytest.mark.parametrize("kind", ["sample", "sample/temperature", "state", "count"])
def test_a_timestamp_of_ten_to_the_4000_is_refused_not_raised(plant: Plant, kind: str) -> None:
    payload = b'{"ts": 1' + b"0" * 4000 + b', "temperature": 1, "value": 1, "state": "idle"}'
    found = JsonDecoder(MqttConfig.model_validate({}), plant).decode(
        f"{MACHINE}/{kind}", payload, datetime.now(UTC)
    )
    assert isinstance(found, Rejection)
    assert found.code == "bad_timestamp"
