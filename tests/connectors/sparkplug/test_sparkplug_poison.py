"""No poison message on the Sparkplug path: hostile payloads are dead-lettered, the rest stored."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from pabrik.connectors.contract import KEPT_PAYLOAD_CHARS, ConnectorMetrics
from pabrik.connectors.mqtt.client import Inbound
from pabrik.connectors.sparkplug import sparkplug_b_pb2 as pb
from pabrik.connectors.sparkplug.connector import SparkplugHandler
from pabrik.connectors.sparkplug.mapping import MetricMapper
from pabrik.model.site import Plant
from pabrik.runtime.ingest.connectors import IngestSink
from pabrik.storage.sqlite.store import SqliteStore
from tests.connectors.mqtt.helpers import roomy_plant
from tests.connectors.peers import Broker, wait_until
from tests.connectors.sparkplug.edge import (
    EdgeNode,
    edge_client,
    host_config,
    metric,
    started_host,
    template_bomb,
)

WINDOW = (datetime.now(UTC) - timedelta(hours=1), datetime.now(UTC) + timedelta(hours=1))
BOMB = b"[" * 100_000 + b"]" * 100_000


@pytest.fixture
def plant() -> Plant:
    """The test plant with a payload limit large enough to let hostile payloads in."""
    return roomy_plant()


def test_hostile_protobufs_and_state_are_dead_lettered_and_good_data_after_them_is_stored(
    broker: Broker, plant: Plant, store: SqliteStore, sink: IngestSink, unique: Callable[[str], str]
) -> None:
    group = unique("grp")
    config = host_config(broker, group, unique("host"))
    host = started_host(config, plant, sink)
    client = edge_client(broker)
    node = EdgeNode(client, group)
    try:
        node.nbirth([])
        node.dbirth("dev1", [metric("Temp", 10, pb.Float, float_value=40.0)])
        node.raw("DDATA", BOMB, "dev1")
        node.raw("DDATA", template_bomb(5000), "dev1")
        state = f"spBv1.0/STATE/{config.host_id}"
        client.publish(state, BOMB, qos=1).wait_for_publish(30)
        node.ddata("dev1", [metric(alias=10, float_value=43.0)])
        wait_until(
            lambda: 43.0 in [s.value for s in store.samples("press-1", "temperature", *WINDOW)],
            what="the good data after the hostile payloads",
        )
    finally:
        host.close()
        client.disconnect()
        client.loop_stop()
    letters = store.dead_letters(10, 0)
    assert sorted(d.reason_code for d in letters) == ["bad_protobuf", "bad_protobuf"]
    assert all(len(d.payload) <= KEPT_PAYLOAD_CHARS for d in letters)
    assert host.metrics.reconnects == 0


class _BrokenMapper(MetricMapper):
    """A mapper with a bug: a metric named Boom makes it raise."""

    def metrics(self, topic: str, payload: pb.Payload, *args: Any, **kw: Any) -> Any:
        if any(m.name == "Boom" for m in payload.metrics):
            raise KeyError("a bug in the mapper")
        return super().metrics(topic, payload, *args, **kw)


def test_any_exception_while_handling_one_message_dead_letters_only_that_message(
    plant: Plant,
) -> None:
    config = host_config(Broker("127.0.0.1", 1), "g", "h")
    handler = SparkplugHandler(config, plant, ConnectorMetrics(), lambda: 0)
    handler.publish = lambda _: None
    handler.mapper = _BrokenMapper(config, plant)

    def message(kind: str, seq: int, *metrics: pb.Payload.Metric) -> Inbound:
        body = pb.Payload(seq=seq, metrics=list(metrics)).SerializeToString()
        return Inbound(f"spBv1.0/g/{kind}/node1/dev1", body, 1, seq, 1)

    batch = [
        Inbound("spBv1.0/g/NBIRTH/node1", pb.Payload(seq=0).SerializeToString(), 1, 9, 1),
        message("DBIRTH", 1, metric("Temp", 10, pb.Float, float_value=40.0)),
        message("DDATA", 2, metric("Boom", None, pb.Float, float_value=1.0)),
        message("DDATA", 3, metric(alias=10, float_value=41.0)),
    ]
    out = handler.decode(batch, datetime.now(UTC))
    assert [getattr(r, "value", None) for r in out.records] == [40.0, 41.0]
    [letter] = out.rejections
    assert letter.reason_code == "decode_error"
    assert "KeyError" in letter.detail
    assert letter.context["topic"] == "spBv1.0/g/DDATA/node1/dev1"
    assert letter.context["encoding"] == "base64"
