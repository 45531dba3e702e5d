"""Fuzz the Sparkplug decoder and session rules: no exception escapes, whatever arrives."""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pabrik.connectors.contract import ConnectorMetrics
from pabrik.connectors.mqtt.client import Inbound
from pabrik.connectors.sparkplug import sparkplug_b_pb2 as pb
from pabrik.connectors.sparkplug.connector import SparkplugHandler
from pabrik.model.records import Record, SampleRecord
from pabrik.model.site import Plant
from pabrik.runtime.ingest.connectors import IngestSink
from pabrik.runtime.ingest.pipeline import Ingestor
from pabrik.storage.sqlite.store import SqliteStore
from tests.connectors.mqtt.helpers import roomy_plant
from tests.connectors.peers import Broker, wait_until
from tests.connectors.sparkplug.edge import (
    EdgeNode,
    edge_client,
    host_config,
    metric,
    raw_field,
    started_host,
    template_bomb,
)

NOW = datetime(2025, 3, 10, tzinfo=UTC)
NAMES = ["bdSeq", "Speed", "Temp", "Offset", "Status", "Good", "Scrap", "Other", ""]
values = st.one_of(
    st.builds(lambda v: {"int_value": v}, st.integers(0, 2**32 - 1)),
    st.builds(lambda v: {"long_value": v}, st.integers(0, 2**64 - 1)),
    st.builds(lambda v: {"float_value": v}, st.floats(width=32)),
    st.builds(lambda v: {"double_value": v}, st.floats()),
    st.builds(lambda v: {"boolean_value": v}, st.booleans()),
    st.builds(lambda v: {"string_value": v}, st.text(max_size=10)),
    st.builds(lambda v: {"bytes_value": v}, st.binary(max_size=10)),
    st.just({"dataset_value": pb.Payload.DataSet(num_of_columns=1, columns=["a"], types=[3])}),
    st.just({"is_null": True}),
    st.just({}),
)


@st.composite
def metrics(draw: st.DrawFn) -> pb.Payload.Metric:
    m = pb.Payload.Metric(**draw(values))
    name = draw(st.sampled_from(NAMES))
    if name:
        m.name = name
    if draw(st.booleans()):
        m.alias = draw(st.integers(0, 20))
    if draw(st.booleans()):
        m.datatype = draw(st.integers(0, 40))
    if draw(st.booleans()):
        m.timestamp = draw(st.integers(0, 2**64 - 1))
    m.is_transient = draw(st.booleans())
    return m


@st.composite
def payloads(draw: st.DrawFn) -> bytes:
    if draw(st.integers(0, 4)) == 0:
        return draw(st.binary(max_size=200))
    p = pb.Payload(metrics=draw(st.lists(metrics(), max_size=6)))
    if draw(st.booleans()):
        p.seq = draw(st.integers(0, 300))
    if draw(st.booleans()):
        p.timestamp = draw(st.integers(0, 2**64 - 1))
    return p.SerializeToString()


topics = st.sampled_from(
    [
        "spBv1.0/g/NBIRTH/node1",
        "spBv1.0/g/NDATA/node1",
        "spBv1.0/g/NDEATH/node1",
        "spBv1.0/g/DBIRTH/node1/dev1",
        "spBv1.0/g/DDATA/node1/dev1",
        "spBv1.0/g/DDEATH/node1/dev1",
        "spBv1.0/g/NCMD/node1",
        "spBv1.0/STATE/host-h",
        "spBv1.0/g/BOGUS/node1",
    ]
) | st.text(max_size=30)


@pytest.mark.slow
@settings(max_examples=2_000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(messages=st.lists(st.tuples(topics, payloads()), min_size=1, max_size=6))
def test_the_sparkplug_handler_never_raises(
    test_plant: Plant, messages: list[tuple[str, bytes]]
) -> None:
    config = host_config(Broker("127.0.0.1", 1), "g", "h")
    sent: list[object] = []
    handler = SparkplugHandler(config, test_plant, ConnectorMetrics(), lambda: 0)
    handler.publish = sent.append
    batch = [Inbound(t, p, 0, 0, 1) for t, p in messages]
    out = handler.decode(batch, NOW)
    assert all(r.machine_id in {"press-1", "press-2"} for r in out.records)
    assert all(r.ts.tzinfo is not None for r in out.records)


# -- hostile inputs, each followed by a good rebirth and data --------------------------------

hostile_values = st.one_of(
    st.builds(lambda v: {"long_value": v}, st.sampled_from([0, 2**63, 2**64 - 1])),
    st.builds(lambda v: {"double_value": v}, st.sampled_from([1e308, -1e308, math.inf, math.nan])),
    st.builds(lambda v: {"float_value": v}, st.sampled_from([3.4e38, math.inf, -math.inf])),
    st.builds(lambda n: {"string_value": "x" * n}, st.integers(0, 200_000)),
    st.builds(lambda n: {"bytes_value": b"\xff" * n}, st.integers(0, 200_000)),
    st.just({"string_value": "1" + "0" * 4000}),
)


@st.composite
def hostile_metric(draw: st.DrawFn) -> bytes:
    shape = draw(st.integers(0, 3))
    if shape == 0:
        return template_bomb(draw(st.sampled_from([1, 50, 99, 100, 101, 1000])))
    if shape == 1:
        # A string field that is not UTF-8, which protobuf itself would never write.
        name = draw(st.sampled_from([b"Temp", b"\xff\xfe"]))
        value = raw_field(15, draw(st.sampled_from([b"\xff\xfe", b"\xed\xa0\x80"])))
        return raw_field(2, raw_field(1, name) + bytes([4 << 3, 12]) + value)
    m = pb.Payload.Metric(**draw(hostile_values))
    m.name = draw(st.sampled_from(["Temp", "Status", "Good", "Speed", "x" * 70_000]))
    m.datatype = draw(st.integers(0, 40))
    return pb.Payload(metrics=[m], seq=draw(st.integers(0, 255))).SerializeToString()


def _utf8_bomb(n: int) -> bytes:
    return b"\xff" * n


hostile_bodies = st.one_of(
    hostile_metric(),
    st.sampled_from([b"[" * 100_000 + b"]" * 100_000, b"\x0a" * 50_000, b"\xff" * 1000]),
    st.builds(_utf8_bomb, st.integers(0, 10_000)),
    st.binary(max_size=200),
)
hostile_state = st.sampled_from(
    [
        b"[" * 100_000 + b"]" * 100_000,
        b'{"online": ' + b"1" + b"0" * 4000 + b"}",
        b'{"online": 1e999}',
        b'{"online": false, "timestamp": "\\ud800"}',
        b"\xff\xfe",
        b"null",
        b"[]",
    ]
)
hostile_topics = st.sampled_from(
    [
        "spBv1.0/g/NBIRTH/node1",
        "spBv1.0/g/NDATA/node1",
        "spBv1.0/g/DBIRTH/node1/dev1",
        "spBv1.0/g/DDATA/node1/dev1",
    ]
)


def _good_rebirth_and_data() -> list[Inbound]:
    def msg(kind: str, seq: int, metric: pb.Payload.Metric, device: str = "/dev1") -> Inbound:
        body = pb.Payload(seq=seq, metrics=[metric]).SerializeToString()
        return Inbound(f"spBv1.0/g/{kind}/node1{device}", body, 0, 0, 1)

    bd_seq = pb.Payload.Metric(name="bdSeq", datatype=pb.Int64, long_value=0)
    temp = pb.Payload.Metric(name="Temp", alias=10, datatype=pb.Float, float_value=40.0)
    data = pb.Payload.Metric(alias=10, float_value=41.0)
    return [msg("NBIRTH", 0, bd_seq, ""), msg("DBIRTH", 1, temp), msg("DDATA", 2, data)]


@pytest.mark.slow
@settings(max_examples=10_000, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    hostile=st.tuples(hostile_topics, hostile_bodies)
    | st.tuples(st.just("spBv1.0/STATE/host-h"), hostile_state)
)
def test_after_any_hostile_message_a_good_rebirth_and_data_are_decoded(
    big_plant: Plant, hostile: tuple[str, bytes]
) -> None:
    config = host_config(Broker("127.0.0.1", 1), "g", "h")
    handler = SparkplugHandler(config, big_plant, ConnectorMetrics(), lambda: 0)
    handler.publish = lambda _: None
    first = handler.decode([Inbound(hostile[0], hostile[1], 0, 0, 1)], NOW)
    assert all(r.reason_code != "decode_error" for r in first.rejections), first.rejections
    assert all(_storable(r) for r in first.records)
    after = handler.decode(_good_rebirth_and_data(), NOW)
    temps = [r.value for r in after.records if isinstance(r, SampleRecord)]
    assert temps[-1] == 41.0


def _storable(record: Record) -> bool:
    texts = [getattr(record, f.name) for f in dataclasses.fields(record)]
    return all(t.encode("utf-8", "strict") is not None for t in texts if isinstance(t, str))


@pytest.fixture(scope="module")
def big_plant() -> Plant:
    return roomy_plant()


_values = itertools.count(100)
_WINDOW = (datetime.now(UTC) - timedelta(hours=1), datetime.now(UTC) + timedelta(hours=1))
kinds = st.sampled_from([("NBIRTH", None), ("NDATA", None), ("DBIRTH", "dev1"), ("DDATA", "dev1")])


@pytest.mark.slow
@settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck))
@given(batch=st.lists(st.tuples(kinds, hostile_bodies), min_size=20, max_size=20))
def test_hostile_messages_through_the_broker_never_stop_the_host(
    broker: Broker,
    store: SqliteStore,
    unique: Callable[[str], str],
    batch: list[tuple[tuple[str, str | None], bytes]],
) -> None:
    plant = roomy_plant()
    group = unique("fuzz")
    config = host_config(broker, group, unique("host"))
    host = started_host(config, plant, IngestSink(Ingestor(store, plant)))
    client = edge_client(broker)
    node = EdgeNode(client, group)
    value = float(next(_values))
    try:
        for (kind, device), body in batch:
            node.raw(kind, body, device)
        client.publish(f"spBv1.0/STATE/{config.host_id}", b"[" * 100_000).wait_for_publish(30)
        node.nbirth([])
        node.dbirth("dev1", [metric("Temp", 10, pb.Float, float_value=40.0)])
        node.ddata("dev1", [metric(alias=10, float_value=value)])
        wait_until(
            lambda: value in {s.value for s in store.samples("press-1", "temperature", *_WINDOW)},
            what="the good data after the hostile messages",
        )
    finally:
        host.close()
        client.disconnect()
        client.loop_stop()
    assert host.metrics.reconnects == 0
    assert host.metrics.last_error is None
