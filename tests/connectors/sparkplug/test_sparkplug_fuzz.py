"""Fuzz the Sparkplug decoder and session rules: no exception escapes, whatever arrives."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pabrik.connectors.contract import ConnectorMetrics
from pabrik.connectors.mqtt.client import Inbound
from pabrik.connectors.sparkplug import sparkplug_b_pb2 as pb
from pabrik.connectors.sparkplug.connector import SparkplugHandler
from pabrik.model.site import Plant
from tests.connectors.peers import Broker
from tests.connectors.sparkplug.edge import host_config

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
@settings(max_examples=10_000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
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
