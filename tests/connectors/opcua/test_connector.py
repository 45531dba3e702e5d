"""The OPC UA connector against a real asyncua server on a free port, into SQLite."""

from __future__ import annotations

from pathlib import Path

import pytest
from asyncua import ua

from pabrik.connectors.opcua.config import OpcuaConfig
from pabrik.connectors.opcua.connector import OpcuaConnector
from pabrik.model.site import Plant
from pabrik.model.states import Quality, StateClass
from pabrik.runtime.ingest.connectors import IngestSink
from pabrik.storage.sqlite.store import SqliteStore
from tests.connectors.opcua.rig import EVER, SIGNALS, config, running, samples, server_subscriptions
from tests.connectors.opcua.server import USERS, make_certs, node, opcua_server, until
from tests.connectors.peers import free_port

pytestmark = pytest.mark.anyio


async def test_subscribed_changes_arrive_in_the_store_as_samples_states_and_counts(
    plant: Plant, sink: IngestSink, store: SqliteStore
) -> None:
    async with opcua_server() as peer:
        connector = OpcuaConnector(config(peer.url), plant)
        async with running(connector, sink):
            await until(lambda: connector.metrics.accepted >= 3)
            await peer.write("press-1.temperature", 24.25)
            await peer.write("press-1.pressure", 90.0)
            await peer.write("press-1.counter", 107)
            await peer.write("press-1.state", 2)
            await until(lambda: len(store.states("press-1", *EVER)) >= 2)
            await until(lambda: sum(c.good for c in store.counts("press-1", *EVER)) >= 7)
    assert [s.value for s in samples(store, "temperature")] == [21.5, 24.25]
    assert [s.value for s in samples(store, "pressure")] == [50.5, 45.0]
    assert [s.state for s in store.states("press-1", *EVER)] == [
        StateClass.RUNNING,
        StateClass.UNPLANNED_STOP,
    ]
    assert sum(c.good for c in store.counts("press-1", *EVER)) == 7
    assert connector.metrics.received >= 8


async def test_many_nodes_share_one_subscription_created_in_batches(
    plant: Plant, sink: IngestSink, store: SqliteStore
) -> None:
    bulk = [
        {"node": node(f"bulk.v{i}"), "machine": "press-2", "signal": f"v{i}"} for i in range(60)
    ]
    async with opcua_server(extra=60) as peer:
        connector = OpcuaConnector(config(peer.url, bulk, batch_size=25), plant)
        async with running(connector, sink):
            await until(lambda: connector.metrics.accepted >= 60)
            subs = server_subscriptions(peer.server)
            items = [len(s.monitored_item_srv._monitored_items) for s in subs.values()]
    assert items == [60]
    assert connector.session.subscriptions == list(subs)
    assert connector.session.create_calls == 3
    assert connector.session.monitored_items == 60


async def test_signals_with_their_own_interval_get_one_more_subscription(
    plant: Plant, sink: IngestSink
) -> None:
    signals = [*SIGNALS[:2], {**SIGNALS[2], "publishing_interval_ms": 500}]
    async with opcua_server() as peer:
        connector = OpcuaConnector(config(peer.url, signals), plant)
        async with running(connector, sink):
            await until(lambda: connector.metrics.accepted >= 3)
            count = len(server_subscriptions(peer.server))
    assert count == 2


async def test_batched_reads_deliver_values_when_subscriptions_are_not_wanted(
    plant: Plant, sink: IngestSink, store: SqliteStore
) -> None:
    async with opcua_server() as peer:
        connector = OpcuaConnector(
            config(peer.url, mode="read", read_interval_s=0.05, batch_size=3), plant
        )
        async with running(connector, sink):
            await until(lambda: connector.session.read_calls >= 4)
            await peer.write("press-1.temperature", 30.5)
            await until(lambda: 30.5 in {s.value for s in samples(store, "temperature")})
            subs = server_subscriptions(peer.server)
    assert subs == {}
    assert connector.session.read_calls % 2 == 0
    assert {s.value for s in samples(store, "temperature")} == {21.5, 30.5}


@pytest.mark.parametrize(
    ("status", "quality"),
    [
        (ua.StatusCodes.UncertainLastUsableValue, Quality.UNCERTAIN),
        (ua.StatusCodes.BadSensorFailure, Quality.BAD),
        (ua.StatusCodes.GoodLocalOverride, Quality.GOOD),
    ],
)
async def test_status_codes_from_the_server_become_sample_quality(
    plant: Plant, sink: IngestSink, store: SqliteStore, status: int, quality: Quality
) -> None:
    async with opcua_server() as peer:
        connector = OpcuaConnector(config(peer.url, SIGNALS[:1]), plant)
        async with running(connector, sink):
            await until(lambda: len(samples(store, "temperature")) >= 1)
            await peer.write("press-1.temperature", 55.0, status)
            await until(lambda: len(samples(store, "temperature")) >= 2)
    last = samples(store, "temperature")[-1]
    # A bad value is not usable, so the sample repeats the last good one, marked bad.
    expected = 21.5 if quality is Quality.BAD else 55.0
    assert (last.value, last.quality) == (expected, quality)


async def test_a_bad_state_node_makes_the_machine_state_unknown(
    plant: Plant, sink: IngestSink, store: SqliteStore
) -> None:
    async with opcua_server() as peer:
        connector = OpcuaConnector(config(peer.url, SIGNALS[2:3]), plant)
        async with running(connector, sink):
            await until(lambda: len(store.states("press-1", *EVER)) >= 1)
            await peer.write("press-1.state", 1, ua.StatusCodes.BadCommunicationError)
            await until(lambda: len(store.states("press-1", *EVER)) >= 2)
    assert [s.state for s in store.states("press-1", *EVER)] == [
        StateClass.RUNNING,
        StateClass.UNKNOWN,
    ]


async def test_after_a_server_restart_it_reconnects_resubscribes_and_data_resumes(
    plant: Plant, sink: IngestSink, store: SqliteStore
) -> None:
    port = free_port()
    cfg = config(
        f"opc.tcp://127.0.0.1:{port}/pabrik/",
        SIGNALS[:1],
        stale_after_intervals=2,
        bad_after_intervals=4,
    )
    connector = OpcuaConnector(cfg, plant)
    async with running(connector, sink):
        async with opcua_server(port) as peer:
            await until(lambda: len(samples(store, "temperature")) >= 1)
            first_subs = list(server_subscriptions(peer.server))
        # While the server is down the last value ages: uncertain, then bad.
        await until(lambda: Quality.BAD in {s.quality for s in samples(store, "temperature")})
        async with opcua_server(port) as peer:
            await until(lambda: connector.metrics.reconnects >= 1)
            await until(lambda: len(server_subscriptions(peer.server)) == 1)
            second_subs = list(server_subscriptions(peer.server))
            await peer.write("press-1.temperature", 33.0)
            await until(lambda: 33.0 in {s.value for s in samples(store, "temperature")})
    qualities = [s.quality for s in samples(store, "temperature")]
    assert qualities[:3] == [Quality.GOOD, Quality.UNCERTAIN, Quality.BAD]
    # The second server's stop ages 33.0 again, so only its first sample must be good.
    resumed = [s.quality for s in samples(store, "temperature") if s.value == 33.0]
    assert resumed[0] == Quality.GOOD
    assert len(first_subs) == len(second_subs) == 1
    assert connector.session.subscriptions == second_subs


async def test_basic256sha256_sign_and_encrypt_with_a_password_delivers_data(
    plant: Plant, sink: IngestSink, store: SqliteStore, tmp_path: Path
) -> None:
    certs = make_certs(tmp_path)
    ((user, password),) = USERS.items()
    security = {
        "policy": "Basic256Sha256",
        "mode": "SignAndEncrypt",
        "certificate": str(certs.client_cert),
        "private_key": str(certs.client_key),
        "server_certificate": str(certs.server_cert),
    }
    async with opcua_server(certs=certs) as peer:
        cfg = config(peer.url, SIGNALS[:1], security=security, username=user, password=password)
        connector = OpcuaConnector(cfg, plant)
        probe = await connector.probe()
        async with running(connector, sink):
            await peer.write("press-1.temperature", 40.0)
            await until(lambda: 40.0 in {s.value for s in samples(store, "temperature")})
        wrong_cfg = OpcuaConfig.model_validate(cfg.model_dump() | {"password": "salah"})
        wrong = OpcuaConnector(wrong_cfg, plant)
        refused = await wrong.probe()
    assert probe.ok, probe.detail
    assert not refused.ok


async def test_a_plain_client_is_refused_by_a_secure_only_server(
    plant: Plant, tmp_path: Path
) -> None:
    async with opcua_server(certs=make_certs(tmp_path)) as peer:
        result = await OpcuaConnector(config(peer.url, SIGNALS[:1]), plant).probe()
    assert not result.ok


async def test_probe_reports_unreadable_nodes_and_an_unreachable_server(plant: Plant) -> None:
    signals = [*SIGNALS[:1], {"node": "ns=2;s=nope", "machine": "press-1", "signal": "flow"}]
    async with opcua_server() as peer:
        partial = await OpcuaConnector(config(peer.url, signals), plant).probe()
    gone = await OpcuaConnector(config(f"opc.tcp://127.0.0.1:{free_port()}/"), plant).probe()
    assert not partial.ok
    assert list(partial.facts["not_good"]) == ["ns=2;s=nope"]
    assert not gone.ok
    assert gone.detail.startswith("cannot connect")


async def test_a_node_the_server_refuses_is_dead_lettered_and_the_rest_flow(
    plant: Plant, sink: IngestSink, store: SqliteStore
) -> None:
    signals = [*SIGNALS[:1], {"node": "ns=2;s=nope", "machine": "press-1", "signal": "flow"}]
    async with opcua_server() as peer:
        connector = OpcuaConnector(config(peer.url, signals), plant)
        async with running(connector, sink):
            await until(lambda: len(samples(store, "temperature")) >= 1)
    letters = store.dead_letters(10, 0)
    assert [d.reason_code for d in letters] == ["node_rejected"]
    assert "BadNodeIdUnknown" in letters[0].detail


def test_diagnostics_redact_the_password(plant: Plant) -> None:
    cfg = config("opc.tcp://127.0.0.1:1/", username="operator", password="rahasia-123")
    text = repr(OpcuaConnector(cfg, plant).diagnostics())
    assert "rahasia-123" not in text
    assert "**redacted**" in text
