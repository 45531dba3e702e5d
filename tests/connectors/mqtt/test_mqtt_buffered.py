"""The buffered paho client: many packets per socket read, none stranded in the buffer."""

from __future__ import annotations

import threading

import paho.mqtt.client as paho
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from pabrik.connectors.mqtt.client import (
    BufferedClient,
    SessionOptions,
    connect_properties,
    new_client,
)
from pabrik.connectors.mqtt.config import BrokerConfig
from tests.connectors.mqtt.helpers import Publisher
from tests.connectors.peers import Broker, wait_until

TOPIC = "burst/one"
COUNT = 3000


def _client(broker: Broker) -> BufferedClient:
    config = BrokerConfig(host=broker.host, port=broker.port)
    client = new_client(config, "buffered-test", clean_start=False)
    assert isinstance(client, BufferedClient)
    return client


def _subscribe_and_leave(broker: Broker) -> None:
    client = _client(broker)
    done = threading.Event()

    def on_connect(
        c: paho.Client, u: object, f: object, rc: ReasonCode, p: Properties | None
    ) -> None:
        c.subscribe(TOPIC, 1)

    client.on_connect = on_connect
    client.on_subscribe = lambda *a: done.set()
    client.connect(broker.host, broker.port, clean_start=False, properties=_session())
    client.loop_start()
    assert done.wait(30)
    client.disconnect()
    client.loop_stop()


def _session() -> Properties:
    return connect_properties(SessionOptions("buffered-test", (TOPIC,), session_expiry_s=600))


def test_a_queued_burst_arrives_whole_in_order_and_leaves_nothing_buffered(
    broker: Broker,
) -> None:
    _subscribe_and_leave(broker)
    publisher = Publisher(broker)
    publisher.send_many((TOPIC, f"{i:06d}") for i in range(COUNT))
    publisher.close()

    client = _client(broker)
    got: list[int] = []
    seen_buffered = [0]

    def on_message(c: paho.Client, u: object, m: paho.MQTTMessage) -> None:
        got.append(int(m.payload))
        seen_buffered[0] = max(seen_buffered[0], client.buffered)
        c.ack(m.mid, m.qos)

    client.on_message = on_message
    client.connect(broker.host, broker.port, clean_start=False, properties=_session())
    client.loop_start()
    try:
        # The last packets of the burst come with no traffic after them: they must not wait
        # in the buffer for a socket event that never comes.
        wait_until(lambda: len(got) >= COUNT, what="the whole burst")
    finally:
        client.disconnect()
        client.loop_stop()
    assert got == list(range(COUNT))
    # One socket read held many packets: the buffer served them.
    assert seen_buffered[0] > 1000
    assert client.buffered == 0
