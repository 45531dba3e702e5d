"""``pabrik ingest`` workers: shared subscriptions, per-worker sessions, and each fault the
deployment issue names (database down at start and while running, kill -9, broker restart).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from pabrik.cli.app import app as cli
from pabrik.model.errors import InvalidRequestError, StoreUnavailableError
from pabrik.model.records import SampleRecord
from pabrik.runtime.ingest.pipeline import Ingestor
from pabrik.runtime.ingest.worker import (
    CommitSink,
    IngestWorker,
    WorkerOptions,
    check_options,
    worker_configs,
)
from pabrik.runtime.plant.siteconfig import load_site
from pabrik.runtime.settings import Settings
from pabrik.storage.postgres.store import PostgresStore
from tests.connectors.modbus.server import device, modbus_server
from tests.connectors.opcua.server import node, opcua_server, until
from tests.connectors.peers import Broker, free_port
from tests.runtime.ingest.peers import (
    DEMO,
    SUBSCRIBED,
    Expected,
    Publisher,
    RestartablePg,
    WorkerProcess,
    count_rows,
    in_transaction,
    private_broker,
    record_set,
    restartable_pg,
    site_file,
    stop_all,
    stored,
    wait_for,
)

DB_PASSWORD = "db-s3cret"  # must never show in a log


@pytest.fixture(scope="module")
def pg() -> Iterator[RestartablePg]:
    server = restartable_pg()
    yield server
    server.close()


@pytest.fixture
def db(pg: RestartablePg) -> str:
    # Trust auth ignores the password; it is there to prove the logs never show it.
    return pg.database().replace("postgres@", f"postgres:{DB_PASSWORD}@")


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    b = private_broker(tmp_path / "broker")
    yield b
    b.stop()


@pytest.fixture
def workers() -> Iterator[list[WorkerProcess]]:
    started: list[WorkerProcess] = []
    yield started
    stop_all(started)


def _worker(
    workers: list[WorkerProcess], site: Path, db: str, folder: Path, worker_id: str
) -> WorkerProcess:
    w = WorkerProcess(worker_id, site, db, folder)
    workers.append(w)
    w.start()
    return w


def _assert_exact(db: str, expected: Expected) -> None:
    found, rows = stored(db)
    assert rows == len(expected)
    assert found == expected


def test_each_worker_gets_its_own_client_id_and_the_shared_group(tmp_path: Path) -> None:
    site = load_site(site_file(tmp_path, Broker("127.0.0.1", 1)))
    one = worker_configs(site, WorkerOptions("w1"))[0]
    two = worker_configs(site, WorkerOptions("w2", share_group="lini"))[0]
    assert (one.broker.client_id, two.broker.client_id) == ("pabrik-test-w1", "pabrik-test-w2")
    assert one.filters("plastindo-cikarang") == ["$share/pabrik/pabrik/v1/plastindo-cikarang/#"]
    assert two.share_group == "lini"


def test_the_workers_share_group_and_client_id_defaults_are_documented() -> None:
    from pabrik.connectors.mqtt.config import BrokerConfig, MqttConfig
    from tests.paths import REPO

    share = MqttConfig.model_fields["share_group"].description or ""
    client = BrokerConfig.model_fields["client_id"].description or ""
    assert "pabrik ingest" in share
    assert "'pabrik'" in share
    assert "worker id" in client
    doc = (REPO / "docs" / "connectors-mqtt.md").read_text(encoding="utf-8")
    assert "$share/pabrik/" in doc
    assert "<client_id>-<worker id>" in doc


@pytest.mark.parametrize(
    "options",
    [WorkerOptions("two words"), WorkerOptions("w1", share_group="a/b"), WorkerOptions("")],
)
def test_a_worker_id_or_share_group_the_broker_would_misread_is_refused(
    options: WorkerOptions,
) -> None:
    with pytest.raises(InvalidRequestError):
        check_options(options)


def test_a_batch_that_did_not_commit_is_dropped_for_the_broker_to_redeliver(
    tmp_path: Path,
) -> None:
    site = load_site(site_file(tmp_path, Broker("127.0.0.1", 1)))
    nowhere = PostgresStore(f"postgresql://postgres@127.0.0.1:{free_port()}/x", timeout_s=1)
    ingestor = Ingestor(nowhere, site.plant())
    record = SampleRecord("mqtt", "imm-01", "temperature", datetime.now(UTC), 40.0)
    try:
        for _ in range(3):
            with pytest.raises(StoreUnavailableError):
                CommitSink(ingestor).submit([record])
            # Kept, it would pile up once per retry of the same unacknowledged messages.
            assert ingestor.pending == 0
    finally:
        nowhere.close()


def test_ingest_names_an_unknown_connector_and_exits_non_zero(tmp_path: Path) -> None:
    site = site_file(tmp_path, Broker("127.0.0.1", 1))
    result = CliRunner().invoke(
        cli,
        ["ingest", "--config", str(site), "--connector", "opcua-9", "--data-dir", str(tmp_path)],
    )
    assert result.exit_code == 1
    assert "no connector opcua-9" in result.output


@pytest.mark.slow
def test_two_workers_split_the_shared_subscription_and_stop_cleanly_on_sigterm(
    broker: Broker, db: str, tmp_path: Path, workers: list[WorkerProcess]
) -> None:
    site = site_file(tmp_path, broker)
    pair = [_worker(workers, site, db, tmp_path, f"w{i}") for i in (1, 2)]
    for w in pair:
        w.wait_log(SUBSCRIBED)
    messages, expected = record_set(300)
    pub = Publisher(broker)
    pub.send(messages)
    pub.close()
    wait_for(lambda: count_rows(db) == len(expected), "every record")
    assert [w.terminate() for w in pair] == [0, 0]
    _assert_exact(db, expected)
    logs = [w.text() for w in pair]
    for log in logs:
        assert "stopped" in log
        assert "$share/pabrik/pabrik/v1/plastindo-cikarang/#" in log
        assert DB_PASSWORD not in log
        assert "mqtt-s3cret" not in log
    assert "pabrik-test-w1" in logs[0]
    assert "pabrik-test-w2" in logs[1]
    # Both took a share (the status line at shutdown counts what each received).
    assert all(" 0 received" not in log for log in logs)


@pytest.mark.slow
def test_a_worker_waits_for_the_database_at_start_up_says_so_and_then_proceeds(
    pg: RestartablePg, broker: Broker, db: str, tmp_path: Path, workers: list[WorkerProcess]
) -> None:
    pg.stop()
    try:
        w = _worker(workers, site_file(tmp_path, broker), db, tmp_path, "late")
        w.wait_log("unreachable (attempt 2)")
        assert SUBSCRIBED not in w.text()  # takes no message it could not store
    finally:
        pg.start()
    w.wait_log("database ready")
    w.wait_log(SUBSCRIBED)
    messages, expected = record_set(50)
    Publisher(broker).send(messages)
    wait_for(lambda: count_rows(db) == len(expected), "every record")
    _assert_exact(db, expected)
    assert DB_PASSWORD not in w.text()


@pytest.mark.slow
def test_database_down_while_running_stops_acks_and_the_broker_keeps_the_messages(
    pg: RestartablePg, broker: Broker, db: str, tmp_path: Path, workers: list[WorkerProcess]
) -> None:
    w = _worker(workers, site_file(tmp_path, broker), db, tmp_path, "w1")
    w.wait_log(SUBSCRIBED)
    messages, expected = record_set(200)
    first = len(messages) // 4
    pub = Publisher(broker)
    pub.send(messages[:first])
    wait_for(lambda: (count_rows(db) or 0) > 0, "the first batches")
    pg.stop()
    try:
        pub.send(messages[first:])
        w.wait_log("a batch was not stored")
    finally:
        pg.start()
    wait_for(lambda: count_rows(db) == len(expected), "every record after the database returned")
    assert w.alive()
    _assert_exact(db, expected)


@pytest.mark.slow
def test_a_worker_killed_in_mid_batch_loses_nothing_and_doubles_nothing(
    broker: Broker, db: str, tmp_path: Path, workers: list[WorkerProcess]
) -> None:
    w = _worker(workers, site_file(tmp_path, broker, batch_size=500), db, tmp_path, "w1")
    w.wait_log(SUBSCRIBED)
    messages, expected = record_set(1000)
    pub = Publisher(broker)
    # Paced, so that the worker is busy with small batches when it is killed.
    sending = pub.send_in_background(messages, chunk=200, pause_s=0.1)
    wait_for(lambda: (count_rows(db) or 0) > 0, "the first batches")
    # Best effort to land inside a write transaction; a kill between batches proves the rest.
    deadline = time.monotonic() + 20
    while not in_transaction(db, w.app_name) and time.monotonic() < deadline:
        time.sleep(0.002)
    w.kill()
    killed_at = count_rows(db) or 0
    w.start()  # same worker id: the persistent session gives back what was not acknowledged
    sending.join(120)
    wait_for(lambda: count_rows(db) == len(expected), "every record after the restart")
    assert 0 < killed_at < len(expected)
    _assert_exact(db, expected)


@pytest.mark.slow
def test_workers_reconnect_after_a_broker_restart_and_their_sessions_resume(
    broker: Broker, db: str, tmp_path: Path, workers: list[WorkerProcess]
) -> None:
    site = site_file(tmp_path, broker)
    pair = [_worker(workers, site, db, tmp_path, f"w{i}") for i in (1, 2)]
    for w in pair:
        w.wait_log(SUBSCRIBED)
    messages, expected = record_set(400)
    half = len(messages) // 2
    pub = Publisher(broker)
    pub.send(messages[:half])
    broker.restart()
    pub.send(messages[half:])
    pub.close()
    wait_for(lambda: count_rows(db) == len(expected), "every record after the broker restart")
    for w in pair:
        # Records may all arrive through one worker while the other still backs off.
        wait_for(
            lambda w=w: "(reconnects: " in w.text() and w.text().count(SUBSCRIBED) >= 2,
            "both workers to reconnect and subscribe again",
        )
    _assert_exact(db, expected)


# -- OPC UA and Modbus recover in the worker's log ------------------------------------------

RECOVERY_IDS = ("ua", "plc")


def _protocol_site(folder: Path, ua_port: int, mb_port: int) -> Path:
    """The demo plant with an OPC UA and a Modbus connector on private test servers."""
    data = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    data["connectors"] = [
        {
            "kind": "opcua",
            "id": "ua",
            "endpoint": f"opc.tcp://127.0.0.1:{ua_port}/pabrik/",
            "publishing_interval_ms": 50,
            "sampling_interval_ms": 20,
            "watchdog_interval_s": 0.2,
            "timeout_s": 2,
            "reconnect_initial_s": 0.05,
            "reconnect_max_s": 0.2,
            "signals": [
                {"node": node("press-1.temperature"), "machine": "imm-01", "signal": "temperature"}
            ],
        },
        {
            "kind": "modbus",
            "id": "plc",
            "reconnect_initial_s": 0.05,
            "reconnect_max_s": 0.2,
            "devices": [
                {
                    "id": "press",
                    "host": "127.0.0.1",
                    "port": mb_port,
                    "poll_interval_s": 0.05,
                    "timeout_s": 0.5,
                    "points": [{"machine": "imm-01", "signal": "pressure", "address": 0}],
                }
            ],
        },
    ]
    path = folder / "site.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _last_line(caplog: pytest.LogCaptureFixture, connector_id: str) -> str:
    lines = [
        r.getMessage()
        for r in caplog.records
        if r.name == "pabrik.runtime.ingest.worker"
        and f"connector {connector_id} " in r.getMessage()
    ]
    return lines[-1] if lines else ""


def test_opcua_and_modbus_show_connected_again_in_the_worker_log_after_their_servers_restart(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    ua_port, mb_port = free_port(), free_port()
    site = _protocol_site(tmp_path, ua_port, mb_port)
    settings = Settings(config=site, data_dir=tmp_path)
    worker = IngestWorker(settings, load_site(site), WorkerOptions("w1"))
    by_id = {c.id: c for c in worker.connectors}

    def states() -> set[str]:
        return {by_id[i].diagnostics()["state"] for i in RECOVERY_IDS}

    def logged(what: str) -> bool:
        return all(_last_line(caplog, i).endswith(what) for i in RECOVERY_IDS)

    async def servers_up() -> AsyncIterator[None]:
        async with opcua_server(ua_port), modbus_server(device(holding=[7] * 10), mb_port):
            yield

    async def scenario() -> None:
        task = asyncio.create_task(worker.serve())
        try:
            async with asynccontextmanager(servers_up)():
                await until(lambda: states() == {"connected"})
                await until(lambda: logged("connected"))
            await until(lambda: states() == {"disconnected"})
            async with asynccontextmanager(servers_up)():
                await until(lambda: all(by_id[i].metrics.reconnects >= 1 for i in RECOVERY_IDS))
                await until(lambda: states() == {"connected"})
                await until(lambda: logged("connected (reconnects: 1)"))
        finally:
            worker.request_stop()
            await task

    with caplog.at_level(logging.INFO, logger="pabrik.runtime.ingest.worker"):
        asyncio.run(scenario())
    assert "disconnected" in caplog.text  # the outage showed too
