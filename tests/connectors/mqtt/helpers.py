"""A plain paho publisher and connector builders for the MQTT tests."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion

from pabrik.connectors.mqtt import MqttConfig
from pabrik.connectors.mqtt.connector import MqttConnector
from pabrik.model.site import Plant
from pabrik.runtime.plant.siteconfig import parse_site
from tests.connectors.peers import TEST_SITE, Broker, wait_until


class Publisher:
    """A paho client that publishes and waits for the broker to take each QoS 1 message."""

    def __init__(self, broker: Broker, **login: Any) -> None:
        self.client = paho.Client(CallbackAPIVersion.VERSION2, protocol=MQTTProtocolVersion.MQTTv5)
        self.client.max_inflight_messages_set(1000)
        self.client.max_queued_messages_set(0)
        if login:
            self.client.username_pw_set(login["username"], login["password"])
        self.client.connect(broker.host, broker.port)
        self.client.loop_start()

    def send(self, topic: str, payload: str | bytes, qos: int = 1, retain: bool = False) -> None:
        self.client.publish(topic, payload, qos=qos, retain=retain).wait_for_publish(60)

    def send_many(self, items: Iterable[tuple[str, str | bytes]], qos: int = 1) -> None:
        infos = [self.client.publish(t, p, qos=qos) for t, p in items]
        for info in infos:
            info.wait_for_publish(60)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def roomy_plant() -> Plant:
    """The test plant with a 1 MiB payload limit, so that hostile payloads reach the decoders."""
    return parse_site(
        TEST_SITE.replace("max_payload_bytes: 4096", "max_payload_bytes: 1048576")
    ).plant()


def mqtt_config(peer: Broker, client_id: str, **overrides: Any) -> MqttConfig:
    """A connector config for the test broker with a small session expiry."""
    data: dict[str, Any] = {
        "kind": "mqtt",
        "id": "mqtt",
        "broker": {
            "host": peer.host,
            "port": peer.port,
            "client_id": client_id,
            "reconnect_initial_s": 0.1,
            "reconnect_max_s": 1.0,
        }
        | overrides.pop("broker", {}),
        "session_expiry_s": 600,
    }
    data.update(overrides)
    return MqttConfig.model_validate(data)


def started(config: MqttConfig, plant: Plant, sink: Any) -> MqttConnector:
    """A connector that has connected and subscribed."""
    connector = MqttConnector(config, plant)
    connector.start(sink)
    wait_until(connector.session.subscribed.is_set, what="the connector to subscribe")
    return connector


# A topic map with one rule of each shape: filter, regex, multi-level rest, signal in topic.
RULES = [
    {
        "filter": "gw/+line/+machine/telemetry",
        "machine": "{machine}",
        "kind": "sample",
        "fields": {"ts": "time"},
        "signals": {"temperature": "data.t", "pressure": "data.p"},
    },
    {
        "regex": r"plc(?P<n>\d+)/status",
        "subscribe": "+/status",
        "machine": "press-{n}",
        "kind": "state",
        "fields": {"state": "$"},
        "receive_time": True,
    },
    {
        "filter": "gw/counter/#rest",
        "machine": "press-1",
        "kind": "count",
        "fields": {"good": "ok", "scrap": "nok", "ts": "t"},
    },
    {
        "filter": "legacy/+machine/+signal",
        "machine": "{machine}",
        "kind": "sample",
        "signal": "{signal}",
        "fields": {"value": "v", "ts": "t"},
    },
]
