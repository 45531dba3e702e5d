"""MQTT topics and Sparkplug devices seen on a real Mosquitto broker, listed and mapped."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import paho.mqtt.client as paho
import pytest
from fastapi import FastAPI
from paho.mqtt.enums import CallbackAPIVersion

from pabrik.connectors.sparkplug import sparkplug_b_pb2 as pb
from pabrik.runtime.accounts.permissions import Role
from pabrik.runtime.accounts.service import Accounts
from tests.connectors.peers import HOST, Broker, free_port, mosquitto_binary
from tests.web.session import PASSWORD, session_client

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def mosquitto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Broker]:
    if mosquitto_binary() is None:
        pytest.skip("no mosquitto")
    folder: Path = tmp_path_factory.mktemp("mosquitto-ui")
    b = Broker(HOST, free_port(), folder)
    b.start()
    yield b
    b.stop()


@pytest.fixture
async def engineer(app: FastAPI, accounts: Accounts) -> AsyncIterator[httpx.AsyncClient]:
    if accounts.store.user_by_name("eng-topics") is None:
        accounts.create_user(
            None, username="eng-topics", password=PASSWORD, role=Role.ENGINEER,
            tenant_id=accounts.site_tenant,
        )  # fmt: skip
    c = await session_client(app, "eng-topics", PASSWORD)
    try:
        yield c
    finally:
        await c.aclose()


def _publish(broker: Broker, messages: list[tuple[str, bytes]]) -> None:
    client = paho.Client(CallbackAPIVersion.VERSION2, client_id="ui-test-pub")
    client.connect(broker.host, broker.port)
    client.loop_start()
    for topic, payload in messages:
        client.publish(topic, payload, qos=1).wait_for_publish(5)
    client.disconnect()
    client.loop_stop()


async def _seen_until(
    client: httpx.AsyncClient, kind: str, form: dict[str, str], pattern: str, send: object
) -> str:
    """Ask for what was seen until ``pattern`` shows (publishing again while waiting)."""
    for _ in range(100):
        r = await client.post(f"/partials/connectors/{kind}/seen", data=form)
        assert r.status_code == 200, r.text
        if re.search(pattern, r.text):
            return r.text
        send()  # type: ignore[operator]
        await asyncio.sleep(0.1)
    raise AssertionError(f"never saw {pattern}")


async def test_mqtt_topics_of_the_last_minute_are_listed_and_mapped_to_rules(
    engineer: httpx.AsyncClient, mosquitto: Broker
) -> None:
    form = {"kind": "mqtt", "id": "gw", "broker.host": mosquitto.host,
            "broker.port": str(mosquitto.port)}  # fmt: skip
    topic = "lantai1/imm-01/suhu"
    html = await _seen_until(
        engineer, "mqtt", form, re.escape(topic), lambda: _publish(mosquitto, [(topic, b"71.5")])
    )
    assert "71.5" in html
    watched = await engineer.post(
        "/partials/connectors/mqtt/seen", data={**form, "watch": "1", "topic": [topic]}
    )
    assert 'data-testid="seen-poll"' in watched.text
    assert f'value="{topic}" checked' in watched.text  # a tick survives the refresh
    mapped = await engineer.post(
        "/connectors/form/mqtt", data={**form, "op": "map-topics", "topic": [topic]}
    )
    assert 'name="topic_map.0.filter" value="lantai1/imm-01/suhu"' in mapped.text
    assert 'name="topic_map.0.machine" value="imm-01"' in mapped.text
    assert 'name="topic_map.0.signal" value="suhu"' in mapped.text


async def test_sparkplug_nodes_are_listed_with_the_metrics_of_their_birth(
    engineer: httpx.AsyncClient, mosquitto: Broker
) -> None:
    birth = pb.Payload(seq=0)
    for name, value in (("bdSeq", 0), ("Suhu", 70), ("Tekanan", 3)):
        birth.metrics.add(name=name, datatype=pb.UInt64 if name == "bdSeq" else pb.Int32)
        if name == "bdSeq":
            birth.metrics[-1].long_value = value
        else:
            birth.metrics[-1].int_value = value
    payload = birth.SerializeToString()
    form = {"kind": "sparkplug", "id": "scada", "broker.host": mosquitto.host,
            "broker.port": str(mosquitto.port)}  # fmt: skip
    html = await _seen_until(
        engineer, "sparkplug", form, "Tekanan",
        lambda: _publish(mosquitto, [("spBv1.0/lini1/NBIRTH/imm-02", payload)]),
    )  # fmt: skip
    pick = re.search(r'name="device" value="([^"]+)"', html)
    assert pick is not None
    assert pick.group(1) == "lini1|imm-02||Suhu,Tekanan"
    mapped = await engineer.post(
        "/connectors/form/sparkplug", data={**form, "op": "map-devices", "device": [pick.group(1)]}
    )
    assert 'name="devices.0.machine" value="imm-02"' in mapped.text
    assert "Suhu: suhu" in mapped.text
