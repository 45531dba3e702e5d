"""QoS 1 with a persistent session: nothing lost and nothing doubled across crashes."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pabrik.model.site import Plant
from pabrik.runtime.ingest.connectors import IngestSink
from pabrik.runtime.ingest.pipeline import Ingestor
from pabrik.storage.sqlite.store import SqliteStore
from tests.connectors.mqtt.helpers import Publisher, mqtt_config, started
from tests.connectors.peers import Broker, wait_until
from tests.paths import REPO

TOPIC = "pabrik/v1/uji/hall/line-1/press-1/sample/temperature"
BASE = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)


def message(i: int) -> tuple[str, str]:
    ts = BASE + timedelta(milliseconds=i)
    return TOPIC, json.dumps({"ts": ts.isoformat(), "value": float(i)})


def stored_values(store: SqliteStore) -> list[float]:
    found = store.samples("press-1", "temperature", BASE, BASE + timedelta(hours=1))
    return [s.value for s in found]


def spawn_consumer(
    tmp_path: Path, site_text: str, config: dict[str, object]
) -> subprocess.Popen[str]:
    site = tmp_path / "site.yaml"
    site.write_text(site_text, encoding="utf-8")
    args = json.dumps({"site": str(site), "db": str(tmp_path / "pabrik.sqlite"), "config": config})
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.connectors.mqtt.consumer_process", args],
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "subscribed"
    return proc


@pytest.mark.slow
def test_a_killed_consumer_resumes_its_session_and_stores_every_message_exactly_once(
    broker: Broker,
    test_plant: Plant,
    test_site_text: str,
    store: SqliteStore,
    tmp_path: Path,
    unique: Callable[[str], str],
) -> None:
    total = 6000
    client_id = unique("crash")
    config = mqtt_config(broker, client_id, qos=1, batch_size=200)
    proc = spawn_consumer(tmp_path, test_site_text, config.model_dump(mode="json"))
    pub = Publisher(broker)
    try:
        pub.send_many(message(i) for i in range(total // 2))
        # Kill it while it is busy: some batches committed, others received but not acked.
        wait_until(lambda: len(stored_values(store)) > 0, what="the first committed batch")
        proc.kill()
        proc.wait()
        killed_at = len(stored_values(store))
        pub.send_many(message(i) for i in range(total // 2, total))
        connector = started(config, test_plant, IngestSink(Ingestor(store, test_plant)))
        try:
            wait_until(lambda: len(stored_values(store)) >= total, what="every message")
        finally:
            connector.close()
    finally:
        pub.close()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
    values = stored_values(store)
    assert 0 < killed_at < total
    assert len(values) == total
    assert sorted(values) == [float(i) for i in range(total)]


@pytest.mark.slow
def test_the_connector_reconnects_after_a_broker_restart_and_loses_no_qos1_message(
    private_broker: Broker,
    test_plant: Plant,
    store: SqliteStore,
    sink: IngestSink,
    unique: Callable[[str], str],
) -> None:
    config = mqtt_config(private_broker, unique("restart"), qos=1)
    connector = started(config, test_plant, sink)
    try:
        pub = Publisher(private_broker)
        pub.send_many(message(i) for i in range(500))
        pub.close()
        wait_until(lambda: len(stored_values(store)) == 500, what="the first 500")
        private_broker.restart()
        pub = Publisher(private_broker)
        pub.send_many(message(i) for i in range(500, 1000))
        pub.close()
        wait_until(lambda: len(stored_values(store)) == 1000, what="all 1000 after the restart")
        assert connector.metrics.reconnects >= 1
    finally:
        connector.close()


@pytest.mark.slow
def test_messages_queued_while_the_consumer_was_away_survive_a_broker_restart(
    private_broker: Broker,
    test_plant: Plant,
    store: SqliteStore,
    sink: IngestSink,
    unique: Callable[[str], str],
) -> None:
    config = mqtt_config(private_broker, unique("away"), qos=1)
    started(config, test_plant, sink).close()
    pub = Publisher(private_broker)
    pub.send_many(message(i) for i in range(300))
    pub.close()
    private_broker.restart()
    connector = started(config, test_plant, sink)
    try:
        wait_until(lambda: len(stored_values(store)) == 300, what="the queued messages")
    finally:
        connector.close()


def test_two_workers_on_a_shared_subscription_split_the_load(
    broker: Broker,
    test_plant: Plant,
    store: SqliteStore,
    sink: IngestSink,
    unique: Callable[[str], str],
) -> None:
    group = unique("grp")
    workers = [
        started(mqtt_config(broker, unique("worker"), share_group=group), test_plant, sink)
        for _ in range(2)
    ]
    try:
        pub = Publisher(broker)
        pub.send_many(message(i) for i in range(2000))
        pub.close()
        wait_until(lambda: len(stored_values(store)) == 2000, what="all 2000 messages")
    finally:
        for w in workers:
            w.close()
    shares = [w.metrics.received for w in workers]
    assert sum(shares) == 2000
    assert all(s > 0 for s in shares)
