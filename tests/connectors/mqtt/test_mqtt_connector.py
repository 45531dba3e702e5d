from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from pabrik.model.site import Plant
from pabrik.model.states import Quality, StateClass
from pabrik.runtime.ingest.connectors import IngestSink
from pabrik.storage.sqlite.store import SqliteStore
from tests.connectors.mqtt.helpers import Publisher, mqtt_config, started
from tests.connectors.peers import Broker, wait_until

TOPIC = "pabrik/v1/uji/hall/line-1/press-1"


def now_ms(offset_s: float = 0) -> int:
    return int((datetime.now(UTC) + timedelta(seconds=offset_s)).timestamp() * 1000)


def rows(store: SqliteStore) -> dict[str, int]:
    return store.row_counts()


def test_json_messages_of_every_kind_travel_over_the_broker_into_sqlite(
    broker: Broker,
    test_plant: Plant,
    store: SqliteStore,
    sink: IngestSink,
    unique: Callable[[str], str],
) -> None:
    connector = started(mqtt_config(broker, unique("e2e")), test_plant, sink)
    pub = Publisher(broker)
    ts = now_ms(-60)
    try:
        pub.send(f"{TOPIC}/sample/temperature", json.dumps({"ts": ts, "value": 41.5}))
        pub.send(
            f"{TOPIC}/sample",
            json.dumps({"ts": ts + 1, "temperature": 42, "vibration": 1.5, "pressure": 120}),
        )
        pub.send(f"{TOPIC}/state", json.dumps({"ts": ts, "state": "running"}))
        pub.send(f"{TOPIC}/count", json.dumps({"ts": ts, "good": 10, "scrap": 1}), qos=0)
        wait_until(
            lambda: rows(store)["samples"] == 4 and rows(store)["counts"] == 1,
            what="4 samples, 1 state and 1 count",
        )
    finally:
        pub.close()
        connector.close()
    start = datetime.fromtimestamp(ts / 1000 - 1, UTC)
    end = start + timedelta(minutes=1)
    temps = store.samples("press-1", "temperature", start, end)
    assert [(s.value, s.quality) for s in temps] == [(41.5, Quality.GOOD), (42.0, Quality.GOOD)]
    assert [s.state for s in store.states("press-1", start, end)] == [StateClass.RUNNING]
    assert connector.metrics.received == 4
    assert connector.metrics.accepted == 6
    assert connector.metrics.lag_s > 0


def test_each_kind_of_bad_input_is_dead_lettered_and_the_connector_keeps_running(
    broker: Broker,
    test_plant: Plant,
    store: SqliteStore,
    sink: IngestSink,
    unique: Callable[[str], str],
) -> None:
    connector = started(mqtt_config(broker, unique("bad")), test_plant, sink)
    pub = Publisher(broker)
    ts = now_ms(-5)
    sample = f"{TOPIC}/sample/temperature"
    bad = [
        (sample, "{not json", "malformed_json"),
        (sample, json.dumps({"ts": ts, "value": [1]}), "wrong_type"),
        (sample, json.dumps({"ts": ts, "value": "41.5"}), "wrong_type"),
        (sample, f'{{"ts": {ts}, "value": NaN}}', "not_finite"),
        (sample, f'{{"ts": {ts}, "value": Infinity}}', "not_finite"),
        (sample, json.dumps({"ts": now_ms(3600), "value": 1}), "clock_skew"),
        (sample, json.dumps({"ts": "1999-01-01T00:00:00+00:00", "value": 1}), "too_old"),
        (sample, json.dumps({"ts": ts, "value": 1, "pad": "x" * 5000}), "payload_too_large"),
        (
            "pabrik/v1/uji/hall/line-1/press-1/sample/ghost",
            json.dumps({"ts": ts}),
            "unknown_signal",
        ),
        ("pabrik/v1/uji/hall/line-1/ghost/state", "{}", "unknown_machine"),
        ("pabrik/v1/uji/hall/line-1/press-1/noise", "{}", "unknown_kind"),
        ("pabrik/v1/uji/elsewhere", "{}", "unknown_topic"),
    ]
    try:
        for topic, payload, _ in bad:
            pub.send(topic, payload)
        pub.send(sample, json.dumps({"ts": ts, "value": 40.0}))
        wait_until(
            lambda: rows(store)["samples"] == 1 and rows(store)["dead_letters"] == len(bad),
            what="the good message and every dead letter",
        )
    finally:
        pub.close()
        connector.close()
    letters = store.dead_letters(100, 0)
    assert sorted(d.reason_code for d in letters) == sorted(code for *_, code in bad)
    malformed = next(d for d in letters if d.reason_code == "malformed_json")
    assert malformed.payload == "{not json"
    assert malformed.context == {"format": "mqtt", "topic": sample}
    oversize = next(d for d in letters if d.reason_code == "payload_too_large")
    assert len(oversize.payload) <= 8192


def test_probe_reports_a_working_broker_and_diagnostics_hide_the_password(
    broker: Broker, test_plant: Plant, unique: Callable[[str], str]
) -> None:
    from pabrik.connectors.mqtt.connector import MqttConnector

    config = mqtt_config(broker, unique("probe"), broker={"username": "u", "password": "s3cret"})
    connector = MqttConnector(config, test_plant)
    result = connector.probe_now()
    assert result.ok, result.detail
    assert result.facts["granted"] == ["Granted QoS 1"]
    text = json.dumps(connector.diagnostics())
    assert "s3cret" not in text
    assert "**redacted**" in text


def test_probe_names_the_problem_when_nothing_listens(
    test_plant: Plant, unique: Callable[[str], str]
) -> None:
    from pabrik.connectors.mqtt.connector import MqttConnector
    from tests.connectors.peers import free_port

    config = mqtt_config(Broker("127.0.0.1", free_port()), unique("probe"))
    result = MqttConnector(config, test_plant).probe_now()
    assert not result.ok
    assert "cannot connect" in result.detail
