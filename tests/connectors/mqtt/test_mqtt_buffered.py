"""The buffered paho client: many packets per socket read, none stranded in the buffer."""

from __future__ import annotations

import threading

import paho.mqtt.client as paho
from hypothesis import given, settings
from hypothesis import strategies as st
from paho.mqtt._packet import decode_publish
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from pabrik.connectors.mqtt.client import (
    BufferedClient,
    SessionOptions,
    _plain_publish,
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


def _publish_packet(
    topic: bytes, qos: int, mid: int, props: bytes | None, payload: bytes
) -> bytearray:
    """The variable header and payload of a PUBLISH (what paho keeps as the packet)."""
    out = bytearray(len(topic).to_bytes(2, "big") + topic)
    if qos:
        out += mid.to_bytes(2, "big")
    if props is not None:
        out += props
    return out + payload


_PROPS = st.sampled_from(
    [b"\x00", b"\x02\x01\x01", b"\x05\x02\x00\x00\x00\x3c", b"\x03\x23\x00\x05", b"\x02\x63\x00"]
)


@settings(max_examples=400, deadline=None)
@given(
    header=st.integers(0x30, 0x3F),
    topic=st.binary(max_size=40) | st.text(max_size=20).map(str.encode),
    mid=st.integers(0, 65535),
    v5=st.booleans(),
    props=_PROPS,
    payload=st.binary(max_size=60),
    cut=st.integers(0, 8),
)
def test_the_plain_publish_reader_agrees_with_paho_or_leaves_the_packet_to_paho(
    header: int, topic: bytes, mid: int, v5: bool, props: bytes, payload: bytes, cut: int
) -> None:
    protocol = MQTTProtocolVersion.MQTTv5 if v5 else MQTTProtocolVersion.MQTTv311
    qos = (header & 0x06) >> 1
    packet = _publish_packet(topic, qos, mid, props if v5 else None, payload)
    if cut:
        packet = packet[: max(0, len(packet) - len(payload) - cut)]
    mine = _plain_publish(header, bytearray(packet), protocol)
    if mine is None:
        return
    theirs = decode_publish(header, bytes(packet), protocol)
    try:
        their_topic: str | None = theirs.topic.decode("utf-8")
    except UnicodeDecodeError:
        their_topic = None
    assert mine == (their_topic, theirs.payload, theirs.qos, theirs.mid)
    assert theirs.properties is None or not theirs.properties.json()  # type: ignore[no-untyped-call]


def _receive_two(broker: Broker, protocol: str) -> list[tuple[str, str | None, bytes]]:
    """A message with a property and a plain one, as a buffered client receives them."""
    got: list[tuple[str, str | None, bytes]] = []
    config = BrokerConfig(host=broker.host, port=broker.port, protocol=protocol)
    client = new_client(config, f"props-{protocol}", clean_start=True)
    assert isinstance(client, BufferedClient)
    ready = threading.Event()
    client.on_connect = lambda c, u, f, rc, p: c.subscribe("props/#", 1)
    client.on_subscribe = lambda *a: ready.set()
    client.on_message = lambda c, u, m: got.append(("paho", m.topic, bytes(m.payload)))
    client.on_raw_message = lambda t, p, q, mid, r: got.append(("raw", t, p))
    client.connect(broker.host, broker.port)
    client.loop_start()
    assert ready.wait(30)
    sender = paho.Client(CallbackAPIVersion.VERSION2, protocol=MQTTProtocolVersion.MQTTv5)
    sender.connect(broker.host, broker.port)
    sender.loop_start()
    props = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
    props.MessageExpiryInterval = 60
    sender.publish("props/a", b"with", qos=1, properties=props).wait_for_publish(30)
    sender.publish("props/b", b"plain", qos=0).wait_for_publish(30)
    wait_until(lambda: len(got) >= 2, what=f"both messages over MQTT {protocol}")
    sender.disconnect()
    sender.loop_stop()
    client.disconnect()
    client.loop_stop()
    return sorted(got)


def test_a_message_with_properties_goes_through_paho_and_a_plain_one_is_read_raw(
    broker: Broker,
) -> None:
    assert _receive_two(broker, "5") == [
        ("paho", "props/a", b"with"),
        ("raw", "props/b", b"plain"),
    ]
    # MQTT 3.1.1 has no properties: both are plain.
    assert _receive_two(broker, "3.1.1") == [
        ("raw", "props/a", b"with"),
        ("raw", "props/b", b"plain"),
    ]
