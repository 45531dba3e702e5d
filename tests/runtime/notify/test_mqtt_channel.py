"""The MQTT channel publishes to a real Mosquitto broker on a free port, with the message id."""

from __future__ import annotations

import threading
from pathlib import Path

import paho.mqtt.client as mqtt

from pabrik.runtime.notify.channels import Channel, send
from tests.connectors.peers import HOST, Broker, free_port, need_private, wait_until


def test_a_notification_is_published_on_the_channel_topic(tmp_path: Path) -> None:
    need_private()
    broker = Broker(HOST, free_port(), tmp_path)
    broker.start()
    got: list[str] = []
    ready = threading.Event()
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="notify-test")
    client.on_subscribe = lambda *_: ready.set()
    client.on_message = lambda _c, _u, msg: got.append(msg.payload.decode())
    client.connect(HOST, broker.port)
    client.subscribe("pabrik/notify/#", qos=1)
    client.loop_start()
    try:
        assert ready.wait(10)
        channel = Channel("mq", "mqtt", "MQTT", {"host": HOST, "port": str(broker.port),
                                                  "topic": "pabrik/notify/plant"})  # fmt: skip
        send(channel, "", "alarm/x/1/0/budi/mq", "[Tinggi] IMM-01", "Suhu terlalu tinggi")
        wait_until(lambda: bool(got), 10, "the MQTT message")
    finally:
        client.loop_stop()
        client.disconnect()
        broker.stop()
    assert "Suhu terlalu tinggi" in got[0]
    assert "id: alarm/x/1/0/budi/mq" in got[0]
