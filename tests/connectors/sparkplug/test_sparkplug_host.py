"""The Sparkplug B host against a real broker, with a scripted Edge Node."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from pabrik.connectors.sparkplug import sparkplug_b_pb2 as pb
from pabrik.connectors.sparkplug.connector import SparkplugConnector
from pabrik.model.site import Plant
from pabrik.model.states import Quality, StateClass
from pabrik.runtime.ingest.connectors import IngestSink
from pabrik.storage.sqlite.store import SqliteStore
from tests.connectors.peers import Broker, wait_until
from tests.connectors.sparkplug.edge import (
    EdgeNode,
    Watcher,
    edge_client,
    host_config,
    metric,
    started_host,
)

WINDOW = (datetime.now(UTC) - timedelta(hours=1), datetime.now(UTC) + timedelta(hours=1))


@dataclass
class Rig:
    host: SparkplugConnector
    node: EdgeNode
    ncmd: Watcher
    store: SqliteStore


@pytest.fixture
def rig(
    broker: Broker,
    test_plant: Plant,
    store: SqliteStore,
    sink: IngestSink,
    unique: Callable[[str], str],
) -> Iterator[Rig]:
    group = unique("grp")
    host = started_host(host_config(broker, group, unique("host")), test_plant, sink)
    ncmd = Watcher(broker, f"spBv1.0/{group}/NCMD/#")
    client = edge_client(broker)
    yield Rig(host, EdgeNode(client, group), ncmd, store)
    host.close()
    ncmd.close()
    client.disconnect()
    client.loop_stop()


def birth(rig: Rig) -> None:
    rig.node.nbirth([metric("Speed", 1, pb.UInt16, int_value=1200)])
    rig.node.dbirth(
        "dev1",
        [
            metric("Temp", 10, pb.Float, float_value=40.0),
            metric("Offset", 11, pb.Int16, int_value=0xFFFB),
            metric("Status", 12, pb.Int32, int_value=2),
            metric("Good", 13, pb.UInt64, long_value=1000),
            metric("Scrap", 14, pb.UInt32, int_value=5),
            metric("Unmapped", 15, pb.String, string_value="x"),
        ],
    )


def values(store: SqliteStore, machine: str, signal: str) -> list[tuple[float, Quality]]:
    return [(s.value, s.quality) for s in store.samples(machine, signal, *WINDOW)]


def states(store: SqliteStore, machine: str) -> list[StateClass]:
    return [s.state for s in store.states(machine, *WINDOW)]


def test_births_teach_aliases_and_data_by_alias_becomes_samples_states_and_count_deltas(
    rig: Rig,
) -> None:
    birth(rig)
    rig.node.ddata(
        "dev1",
        [
            metric(alias=10, float_value=41.5),
            metric(alias=12, int_value=3),
            metric(alias=13, long_value=1010),
            metric(alias=14, int_value=6),
        ],
    )
    rig.node.ndata([metric(alias=1, int_value=1250)])
    wait_until(lambda: len(values(rig.store, "press-2", "speed")) == 2, what="node data")
    assert values(rig.store, "press-1", "temperature") == [
        (40.0, Quality.GOOD),
        (41.5, Quality.GOOD),
    ]
    # An Int16 of -5 arrives as 0xFFFB in the unsigned int_value field.
    assert values(rig.store, "press-1", "pressure") == [(-5.0, Quality.GOOD)]
    assert states(rig.store, "press-1") == [StateClass.IDLE, StateClass.UNPLANNED_STOP]
    counts = rig.store.counts("press-1", *WINDOW)
    assert [(c.good, c.scrap) for c in counts] == [(10, 1)]
    assert rig.ncmd.rebirths() == 0
    assert rig.store.row_counts()["dead_letters"] == 0


def test_a_seq_gap_makes_the_host_publish_a_rebirth_request(rig: Rig) -> None:
    birth(rig)
    rig.node.ddata("dev1", [metric(alias=10, float_value=41.0)], seq=(rig.node.seq + 5) % 256)
    wait_until(lambda: rig.ncmd.rebirths() == 1, what="an NCMD rebirth")
    assert rig.host.metrics.extra["seq_gaps"] == 1
    # The data itself was still good: its aliases are known.
    wait_until(lambda: len(values(rig.store, "press-1", "temperature")) == 2, what="the data")


def test_seq_wraps_from_255_to_0_without_a_rebirth(rig: Rig) -> None:
    birth(rig)
    for i in range(300):
        rig.node.ndata([metric(alias=1, int_value=i)])
    wait_until(lambda: rig.host.metrics.received >= 302, what="300 data messages")
    assert rig.ncmd.rebirths() == 0
    assert "seq_gaps" not in rig.host.metrics.extra


def test_data_before_birth_is_dead_lettered_and_asks_for_a_rebirth(rig: Rig) -> None:
    rig.node.ddata("dev1", [metric(alias=10, float_value=41.0)], seq=7)
    wait_until(lambda: rig.ncmd.rebirths() == 1, what="an NCMD rebirth")
    wait_until(lambda: rig.store.row_counts()["dead_letters"] == 1, what="the dead letter")
    letter = rig.store.dead_letters(1, 0)[0]
    assert letter.reason_code == "no_birth"
    assert letter.context is not None
    assert letter.context["encoding"] == "base64"


def test_an_unknown_alias_is_dead_lettered_and_asks_for_a_rebirth(rig: Rig) -> None:
    birth(rig)
    rig.node.ddata("dev1", [metric(alias=99, float_value=1.0), metric(alias=10, float_value=42.0)])
    wait_until(lambda: rig.ncmd.rebirths() == 1, what="an NCMD rebirth")
    wait_until(lambda: rig.store.row_counts()["dead_letters"] == 1, what="the dead letter")
    assert rig.store.dead_letters(1, 0)[0].reason_code == "unknown_alias"
    wait_until(
        lambda: (42.0, Quality.GOOD) in values(rig.store, "press-1", "temperature"), what="42"
    )


def test_a_payload_that_is_not_protobuf_is_dead_lettered(rig: Rig) -> None:
    birth(rig)
    rig.node.raw("DDATA", b"\xff\xff\xff not protobuf", "dev1")
    rig.node.ddata("dev1", [metric(alias=10, float_value=43.0)])
    wait_until(lambda: rig.store.row_counts()["dead_letters"] == 1, what="the dead letter")
    assert rig.store.dead_letters(1, 0)[0].reason_code == "bad_protobuf"
    wait_until(
        lambda: (43.0, Quality.GOOD) in values(rig.store, "press-1", "temperature"), what="43"
    )


def test_ndeath_with_the_births_bdseq_marks_signals_bad_and_machines_unknown(rig: Rig) -> None:
    rig.node.bd_seq = 4
    birth(rig)
    rig.node.ndeath(3)  # a late will from the previous connection: ignored
    rig.node.ndata([metric(alias=1, int_value=1300)])
    wait_until(
        lambda: len(values(rig.store, "press-2", "speed")) == 2, what="data after the stale death"
    )
    assert rig.host.metrics.extra["stale_deaths"] == 1
    assert StateClass.UNKNOWN not in states(rig.store, "press-2")
    rig.node.ndeath(4)
    wait_until(lambda: states(rig.store, "press-2") == [StateClass.UNKNOWN], what="press-2 unknown")
    wait_until(lambda: StateClass.UNKNOWN in states(rig.store, "press-1"), what="press-1 unknown")
    assert values(rig.store, "press-2", "speed")[-1] == (1300.0, Quality.BAD)
    assert values(rig.store, "press-1", "temperature")[-1] == (40.0, Quality.BAD)
    # After a death, data needs a new birth.
    rig.node.ndata([metric(alias=1, int_value=1)])
    wait_until(lambda: rig.ncmd.rebirths() == 1, what="a rebirth after death")


def test_ddeath_marks_only_its_device_machine_unknown(rig: Rig) -> None:
    birth(rig)
    rig.node.ddeath("dev1")
    wait_until(lambda: StateClass.UNKNOWN in states(rig.store, "press-1"), what="press-1 unknown")
    assert StateClass.UNKNOWN not in states(rig.store, "press-2")


def test_the_host_publishes_its_state_retained_online_then_offline(
    broker: Broker, test_plant: Plant, sink: IngestSink, unique: Callable[[str], str]
) -> None:
    config = host_config(broker, unique("grp"), unique("host"))
    host = started_host(config, test_plant, sink)
    topic = f"spBv1.0/STATE/{config.host_id}"
    late = Watcher(broker, topic)  # subscribes after the fact: sees only the retained message
    wait_until(lambda: len(late.received) == 1, what="the retained STATE")
    ((online, retained),) = late.states()
    assert retained
    assert online["online"] is True
    assert isinstance(online["timestamp"], int)
    host.close()
    wait_until(lambda: len(late.received) >= 2, what="the offline STATE")
    offline, _ = late.states()[1]
    assert offline == {"online": False, "timestamp": online["timestamp"]}
    late.close()
    after = Watcher(broker, topic)
    wait_until(lambda: len(after.received) == 1, what="the retained offline STATE")
    assert after.states()[0] == (offline, True)
    after.close()


def test_the_host_says_online_again_when_something_writes_it_offline(
    broker: Broker, test_plant: Plant, sink: IngestSink, unique: Callable[[str], str]
) -> None:
    import json

    config = host_config(broker, unique("grp"), unique("host"))
    host = started_host(config, test_plant, sink)
    topic = f"spBv1.0/STATE/{config.host_id}"
    watcher = Watcher(broker, topic)
    wait_until(lambda: len(watcher.received) == 1, what="the retained STATE")
    client = edge_client(broker)
    client.publish(
        topic, json.dumps({"online": False, "timestamp": 1}), qos=1, retain=True
    ).wait_for_publish(30)
    wait_until(
        lambda: watcher.states()[-1][0]["online"] is True and len(watcher.received) == 3,
        what="online again",
    )
    client.disconnect()
    client.loop_stop()
    watcher.close()
    host.close()
