"""Fuzz OPC UA ingest: after any hostile node value, the next good value is stored.

10,000 hostile changes go through the connector's mapping and the real ingest pipeline
into SQLite; a smaller run writes hostile values into a real asyncua server.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from asyncua import ua
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pabrik.connectors.contract import ConnectionState
from pabrik.connectors.opcua.config import OpcuaConfig
from pabrik.connectors.opcua.connector import OpcuaConnector
from pabrik.connectors.opcua.mapping import Change, Mapper, pick_timestamp
from pabrik.model.site import Plant
from pabrik.runtime.ingest.connectors import IngestSink
from pabrik.runtime.ingest.pipeline import Ingestor
from pabrik.storage.sqlite.store import SqliteStore
from tests.connectors.hostile import (
    ABSURD_FLOATS,
    DEEP,
    HUGE,
    KNOWN_REASONS,
    ODD_TEXTS,
    Choices,
    Ledger,
)
from tests.connectors.opcua.server import PLANT, node, opcua_server, until

GOOD_NODE = node("press-1.pressure")
SIGNALS: list[dict[str, Any]] = [
    {"node": node("press-1.temperature"), "machine": "press-1", "signal": "temperature"},
    {"node": GOOD_NODE, "machine": "press-1", "signal": "pressure"},
    {"node": node("press-1.state"), "machine": "press-1", "role": "state"},
    {"node": node("press-1.counter"), "machine": "press-1", "role": "count"},
    # A text node mapped where a number is expected.
    {"node": node("press-1.label"), "machine": "press-1", "signal": "v0"},
    # Mapped to a machine and a signal the plant does not have: validation refuses them.
    {"node": node("press-2.temperature"), "machine": "press-9", "signal": "temperature"},
    {"node": node("press-2.ghost"), "machine": "press-2", "signal": "ghost"},
]
SAMPLE_NODES = {s["node"] for s in SIGNALS if s.get("role", "sample") == "sample"}
UNKNOWN_NODES = ["ns=2;s=nope", "", "i=85", "ns=2;s=" + "x" * 5000, "ns=2;s=\ud800"]

_NOW = datetime.now(UTC)
BASE = _NOW - timedelta(hours=1)
_seq = itertools.count(1)


def config(url: str = "opc.tcp://127.0.0.1:4840/", **extra: Any) -> OpcuaConfig:
    return OpcuaConfig.model_validate({"id": "ua", "endpoint": url, "signals": SIGNALS, **extra})


UA_VALUES: list[object] = [
    ua.LocalizedText("jalan", "id"),
    ua.QualifiedName("x", 2),
    ua.NodeId(1, 2),
    ua.StatusCode(ua.StatusCodes.BadTypeMismatch),
    ua.Variant(1.0, ua.VariantType.Double),
    uuid.UUID(int=0),
    complex(1, 2),
]
STATUSES = [
    0,
    ua.StatusCodes.Uncertain,
    ua.StatusCodes.BadNoCommunication,
    ua.StatusCodes.BadTimeout,
]
# What a server may stamp (asyncua decodes DateTime as UTC between 1601 and 9999): nothing,
# 1601, the end of 9999, skewed, ancient; and, defensively, naive times and not times.
STAMPS: list[object] = [
    None,
    _NOW.replace(tzinfo=None),
    datetime(1601, 1, 1, tzinfo=UTC),
    datetime(9999, 12, 31, 23, 59, tzinfo=UTC),
    datetime.max.replace(tzinfo=UTC),
    datetime.min.replace(tzinfo=UTC),
    _NOW + timedelta(minutes=6),
    _NOW + timedelta(days=400),
    _NOW - timedelta(days=3661),
    _NOW.astimezone(timezone(timedelta(hours=14))),
    0,
    "2025-01-01T00:00:00Z",
]
NODES = [s["node"] for s in SIGNALS] + UNKNOWN_NODES


def _value(c: Choices) -> object:
    """Whatever asyncua could hand over as a value, and worse."""
    how = c.byte() % 11
    if how < 3:
        return c.number()
    if how == 3:
        return c.pick([None, True, False])
    if how == 4:
        return c.pick(ODD_TEXTS) if c.byte() % 2 else c.text()
    if how == 5:
        return c.take(c.byte() % 20)
    if how == 6:
        return c.pick([*DEEP, *HUGE])
    if how == 7:
        return {c.text(): c.integer() for _ in range(c.byte() % 3)}
    if how == 8:
        return [c.double() for _ in range(c.byte() % 3)]
    if how == 9:
        return _NOW + timedelta(seconds=int.from_bytes(c.take(4), signed=True))
    return c.pick(UA_VALUES)


def _stamp(c: Choices) -> object:
    if c.byte() % 3:
        return c.pick(STAMPS)
    return _NOW + timedelta(seconds=int.from_bytes(c.take(4), signed=True))


def hostile_change(data: bytes) -> Change:
    """One change of a node, read from ``data``."""
    c = Choices(data)
    node, value = c.pick(NODES), _value(c)
    status = c.pick(STATUSES) if c.byte() % 2 else int.from_bytes(c.take(4))
    ts = pick_timestamp(_stamp(c), _stamp(c), _NOW - timedelta(days=2))
    return Change(node, value, status, ts)


# One draw of bytes per case: Hypothesis's cost per draw would dominate a tree of strategies.
changes = st.binary(min_size=4, max_size=40).map(hostile_change)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[Mapper, IngestSink, Ledger]]:
    plant = Plant.model_validate(PLANT)
    store = SqliteStore(tmp_path / "f.sqlite", synchronous="NORMAL")
    store.upgrade()
    ingestor = Ingestor(store, plant)
    cfg = config()
    mapper = Mapper(cfg.id, cfg.signals, {m.id: dict(m.state_map) for m in plant.machines()})
    yield mapper, IngestSink(ingestor), Ledger(store, ingestor)
    store.close()


def _must_leave_a_trace(change: Change) -> bool:
    """An unknown node, or a sample the server calls good: stored or dead-lettered, never lost."""
    known = {s["node"] for s in SIGNALS}
    return change.node not in known or (change.node in SAMPLE_NODES and change.status == 0)


EXPECTED = {
    "wrong_type",
    "unknown_node",
    "unmapped_state",
    "bad_counter",
    "out_of_range",
    "clock_skew",
    "too_old",
    "unknown_machine",
    "unknown_signal",
    "decode_error",
}


@pytest.mark.slow
def test_after_any_hostile_change_the_next_good_value_is_stored(
    world: tuple[Mapper, IngestSink, Ledger],
) -> None:
    mapper, sink, ledger = world

    @settings(
        max_examples=10_000,
        deadline=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(change=changes)
    def one(change: Change) -> None:
        n = next(_seq)
        ts = BASE + timedelta(milliseconds=n)
        ledger.mark()
        # One batch, as the connector delivers it: the hostile change, then a good one.
        mapped = mapper.map([change, Change(GOOD_NODE, float(n), 0, ts)])
        sink.submit(mapped.records, mapped.rejections)
        ledger.letters()
        if _must_leave_a_trace(change):
            assert ledger.outcomes() >= 2, change
        stored = ledger.store.samples("press-1", "pressure", ts, ts + timedelta(milliseconds=1))
        assert [s.value for s in stored] == [float(n)]

    one()
    # The hostile inputs met every rule on the path, not only the first one.
    assert ledger.codes >= EXPECTED, EXPECTED - ledger.codes


# -- the same through a real asyncua server ---------------------------------------------------

ROUND_TRIPS = 100
_TEXTS = ["x" * 100_000, "", "NaN", "\u202erunning", "1e999", "٣"]
_HOSTILE_WRITES: list[tuple[str, list[Any], ua.VariantType]] = [
    ("press-1.temperature", [*ABSURD_FLOATS, 21.5, -273.15], ua.VariantType.Double),
    ("press-1.counter", [-5, 0, 2**31 - 1, -(2**31), 7], ua.VariantType.Int32),
    ("press-1.state", [99, -1, 2, 1, 0], ua.VariantType.Int32),
    ("press-1.label", _TEXTS, ua.VariantType.String),
    ("press-2.temperature", [30.0, float("nan")], ua.VariantType.Double),
]
_STAMPS: list[datetime | None] = [
    None,
    datetime(1601, 1, 1, tzinfo=UTC),
    datetime.max.replace(tzinfo=UTC),
    _NOW + timedelta(days=400),
    _NOW - timedelta(days=3661),
]
_STATUSES = [ua.StatusCodes.Good, ua.StatusCodes.Uncertain, ua.StatusCodes.BadNoCommunication]


def _data(value: Any, kind: ua.VariantType, status: int, ts: datetime | None) -> ua.DataValue:
    return ua.DataValue(
        ua.Variant(value, kind),
        StatusCode=ua.StatusCode(status),
        SourceTimestamp=ts,
        ServerTimestamp=ts,
    )


@pytest.mark.anyio
async def test_hostile_values_from_a_real_server_never_stop_the_good_ones(
    store: SqliteStore, tmp_path: Path
) -> None:
    plant = Plant.model_validate(PLANT)
    ingestor = Ingestor(store, plant)
    rng = random.Random(11)
    goods = [1000.0 + i for i in range(ROUND_TRIPS)]
    async with opcua_server() as peer:
        cfg = config(peer.url, publishing_interval_ms=50, sampling_interval_ms=0, queue_size=1000)
        connector = OpcuaConnector(cfg, plant)
        task = asyncio.create_task(connector.run(IngestSink(ingestor)))
        try:
            await until(lambda: connector.state is ConnectionState.CONNECTED)
            for i, value in enumerate(goods):
                name, pool, kind = rng.choice(_HOSTILE_WRITES)
                hostile = _data(rng.choice(pool), kind, rng.choice(_STATUSES), rng.choice(_STAMPS))
                await peer.nodes[name].write_value(hostile)
                good_ts = BASE + timedelta(milliseconds=i)
                await peer.nodes["press-1.pressure"].write_value(
                    _data(value, ua.VariantType.Double, ua.StatusCodes.Good, good_ts)
                )
            await until(lambda: set(goods) <= _pressures(store))
        finally:
            await connector.stop()
            async with asyncio.timeout(15):
                await task
    letters = store.dead_letters(10_000, 0)
    assert {d.reason_code for d in letters} <= KNOWN_REASONS
    assert {"out_of_range", "wrong_type", "clock_skew"} <= {d.reason_code for d in letters}
    assert connector.metrics.reconnects == 0


def _pressures(store: SqliteStore) -> set[float]:
    window = (BASE - timedelta(seconds=1), _NOW + timedelta(days=1))
    return {s.value for s in store.samples("press-1", "pressure", *window)}
