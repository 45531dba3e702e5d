"""Two `pabrik ingest` workers on one shared subscription raise one alarm for one condition."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from pabrik.model.records import to_epoch_ms
from tests.runtime.ingest.peers import (
    SUBSCRIBED,
    Publisher,
    WorkerProcess,
    demo_machines,
    private_broker,
    site_file,
    stop_all,
    wait_for,
)

HOT = 119


def _count(url: str, sql: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute(sql).fetchone()
    return int(row[0]) if row else 0


@pytest.mark.slow
def test_two_workers_sharing_a_subscription_raise_the_alarm_once(
    tmp_path: Path, pg_url: str
) -> None:
    broker = private_broker(tmp_path / "broker")
    workers: list[WorkerProcess] = []
    try:
        site = site_file(tmp_path, broker)
        for worker_id in ("w1", "w2"):
            w = WorkerProcess(worker_id, site, pg_url, tmp_path)
            workers.append(w)
            w.start()
        for w in workers:
            w.wait_log(SUBSCRIBED)
        imm = next(m for m in demo_machines() if m.id == "imm-01")
        start = datetime.now(UTC) - timedelta(minutes=12)
        running = {"ts": to_epoch_ms(start), "state": "running"}
        messages = [(imm.topic("state"), json.dumps(running).encode())]
        for i in range(1, HOT + 1):
            hot = {"ts": to_epoch_ms(start + timedelta(seconds=5 * i)), "temperature": 80.0}
            messages.append((imm.topic("sample"), json.dumps(hot).encode()))
        publisher = Publisher(broker)
        publisher.send(messages, chunk=10)
        publisher.close()
        samples = "SELECT count(*) FROM samples WHERE machine_id = 'imm-01'"
        wait_for(lambda: _count(pg_url, samples) == HOT, "every hot sample stored")
        activations = (
            "SELECT count(*) FROM alarm_transitions"
            " WHERE alarm_key = 'suhu-tinggi/imm-01' AND event = 'activate'"
        )
        wait_for(lambda: _count(pg_url, activations) >= 1, "the alarm raised")
        assert [w.terminate() for w in workers] == [0, 0]
        assert _count(pg_url, activations) == 1
        # Both workers took a share of the hot samples, so both saw the condition.
        assert all(" 0 received" not in w.text() for w in workers)
        assert all("alarm evaluation failed" not in w.text() for w in workers)
    finally:
        stop_all(workers)
        broker.stop()
