"""Real peers for the ingest-worker tests: worker processes, a restartable PostgreSQL, a
publisher that rides out broker restarts, and a known record set to compare the store with.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

import paho.mqtt.client as paho
import psycopg
import pytest
from bench.peers import (
    SOURCE,
    SUBSCRIBED,
    Machine,
    demo_machines,
    site_file,
    start_broker,
    wait_for,
)
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion

from pabrik.model.records import to_epoch_ms
from tests.connectors.peers import Broker, mosquitto_binary
from tests.paths import DEMO, REPO
from tests.pg import PgServer, PrivateServer, make_private, unavailable

# Re-exported: the demo machines, site file and waiting are shared with the federation bench.
__all__ = ["DEMO", "SOURCE", "SUBSCRIBED", "Machine", "demo_machines", "site_file", "wait_for"]

WAIT_S = 90.0

# (table, natural key without the source) -> stored values
Expected = dict[tuple[str, tuple[Any, ...]], tuple[Any, ...]]


# -- peers -------------------------------------------------------------------------------


def private_broker(folder: Path) -> Broker:
    """A started Mosquitto of the test's own (persistence on, big queues), or skip/fail."""
    if mosquitto_binary() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("mosquitto is not installed, and CI needs it")
        pytest.skip("mosquitto is not installed; this test needs a private broker")
    return start_broker(folder)


@dataclass
class RestartablePg:
    """A private PostgreSQL this test may stop and start (never the shared server)."""

    server: PrivateServer
    admin: PgServer

    def database(self) -> str:
        """A fresh database on it; return its URL."""
        return self.admin.create_database("pabrik_worker")

    def stop(self) -> None:
        """Stop at once, like a crash (the OS keeps what was written)."""
        self.server.stop()

    def start(self) -> None:
        """Start again on the same port."""
        self.server.start()

    def close(self) -> None:
        """Stop and remove it."""
        self.server.stop()
        self.server.remove()


def restartable_pg() -> RestartablePg:
    """A private server even when PABRIK_TEST_PG names a shared one (restarts need our own)."""
    server = make_private()
    if server is None:
        unavailable("no initdb/pg_ctl to start a private PostgreSQL that the test may restart")
    assert server is not None
    server.start()
    return RestartablePg(server, PgServer(server.url, server))


def count_rows(url: str) -> int | None:
    """Rows in states, counts and samples together, or None while the database is away."""
    try:
        with psycopg.connect(url, connect_timeout=2) as conn:
            row = conn.execute(
                "SELECT (SELECT count(*) FROM states) + (SELECT count(*) FROM counts)"
                " + (SELECT count(*) FROM samples)"
            ).fetchone()
    except psycopg.Error:
        return None
    return int(row[0]) if row else 0


def in_transaction(url: str, application_name: str) -> bool:
    """Whether that worker's database session is inside a write right now."""
    try:
        with psycopg.connect(url, connect_timeout=2) as conn:
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s"
                " AND (state = 'idle in transaction' OR (state = 'active'"
                " AND backend_xid IS NOT NULL))",
                (application_name,),
            ).fetchone()
    except psycopg.Error:
        return False
    return bool(row and row[0])


# -- the site and the workers -------------------------------------------------------------


def with_app_name(url: str, name: str) -> str:
    """A database URL that names the session, so the test can see it in pg_stat_activity."""
    return f"{url}{'&' if '?' in url else '?'}application_name={name}"


@dataclass
class WorkerProcess:
    """One ``pabrik ingest`` process; restarting it keeps its worker id (and MQTT session)."""

    worker_id: str
    site: Path
    database_url: str
    folder: Path
    extra: Sequence[str] = ()
    lives: int = 0
    proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    _out: TextIO | None = field(default=None, repr=False)

    @property
    def app_name(self) -> str:
        """The application_name its database sessions carry."""
        return f"pabrik-{self.worker_id}"

    @property
    def log(self) -> Path:
        """The log of its current life."""
        return self.folder / f"{self.worker_id}-{self.lives}.log"

    def start(self) -> None:
        """Start a new life of this worker."""
        self.lives += 1
        self._out = self.log.open("w", encoding="utf-8")
        command = [
            sys.executable, "-m", "pabrik.cli.app", "ingest",
            "--config", str(self.site),
            "--database-url", with_app_name(self.database_url, self.app_name),
            "--worker-id", self.worker_id,
            *self.extra,
        ]  # fmt: skip
        env = os.environ | {"PABRIK_DB_TIMEOUT_S": "2", "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            command, stdout=self._out, stderr=subprocess.STDOUT, cwd=REPO, env=env
        )

    def text(self) -> str:
        """What this life has logged so far."""
        return self.log.read_text(encoding="utf-8", errors="replace")

    def alive(self) -> bool:
        """Whether the process is running."""
        return self.proc is not None and self.proc.poll() is None

    def wait_log(self, needle: str, timeout: float = WAIT_S) -> None:
        """Wait for a line in this life's log; fail at once if the process died."""

        def seen() -> bool:
            if needle in self.text():
                return True
            if not self.alive():
                raise AssertionError(f"{self.worker_id} exited:\n{self.text()[-3000:]}")
            return False

        wait_for(seen, f"{self.worker_id} to log {needle!r}", timeout)

    def kill(self) -> None:
        """SIGKILL: no goodbye, no last batch."""
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait(timeout=WAIT_S)
        self._close_log()

    def terminate(self, timeout: float = WAIT_S) -> int:
        """SIGTERM and wait; return the exit code."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout=timeout)
        self._close_log()
        return code

    def _close_log(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None


def stop_all(workers: Sequence[WorkerProcess]) -> None:
    """Kill whatever still runs (test clean-up)."""
    for w in workers:
        if w.alive():
            w.kill()
        w._close_log()


# -- a publisher that survives broker restarts -----------------------------------------------


class Publisher:
    """Publishes QoS 1 in chunks; a chunk not acknowledged in full is sent again on a new
    connection (duplicates are harmless: the store is idempotent on natural keys)."""

    def __init__(self, broker: Broker) -> None:
        self.broker = broker
        self.client: paho.Client | None = None
        self.resent_chunks = 0
        self.sent = 0

    def _connect(self) -> paho.Client:
        deadline = time.monotonic() + WAIT_S
        while True:
            client = paho.Client(CallbackAPIVersion.VERSION2, protocol=MQTTProtocolVersion.MQTTv5)
            client.max_inflight_messages_set(2000)
            client.max_queued_messages_set(0)
            try:
                client.connect(self.broker.host, self.broker.port)
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
                continue
            client.loop_start()
            return client

    def _drop(self) -> None:
        if self.client is not None:
            self.client.disconnect()
            self.client.loop_stop()
            self.client = None

    def send(
        self, messages: Sequence[tuple[str, bytes]], chunk: int = 1000, pause_s: float = 0.0
    ) -> None:
        """Publish every message and return once the broker took each one."""
        for i in range(0, len(messages), chunk):
            part = messages[i : i + chunk]
            while not self._send_chunk(part):
                self.resent_chunks += 1
                self._drop()
            self.sent += len(part)
            time.sleep(pause_s)

    def send_in_background(
        self, messages: Sequence[tuple[str, bytes]], chunk: int = 1000, pause_s: float = 0.0
    ) -> threading.Thread:
        """``send`` on a thread of its own, so the test can make trouble meanwhile."""
        thread = threading.Thread(
            target=self.send, args=(messages, chunk, pause_s), name="publisher", daemon=True
        )
        thread.start()
        return thread

    def _send_chunk(self, part: Sequence[tuple[str, bytes]]) -> bool:
        if self.client is None:
            self.client = self._connect()
        client = self.client
        wait_for(client.is_connected, "the publisher to connect", 30)
        infos = [client.publish(t, p, qos=1) for t, p in part]
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if all(i.is_published() for i in infos):
                return True
            if not client.is_connected():
                return False
            time.sleep(0.01)
        return False

    def close(self) -> None:
        """Disconnect."""
        self._drop()


# -- the known record set -------------------------------------------------------------------

BASE = datetime(2025, 3, 10, 0, 0, tzinfo=UTC)
_STATES = (("running", None), ("unplanned_stop", "jam"), ("idle", "no_order"))


def record_set(
    ticks: int, *, seed: int = 7, base: datetime = BASE, step_s: float = 1.0
) -> tuple[list[tuple[str, bytes]], Expected]:
    """Messages for ``ticks`` ticks of every demo machine, and the records they must give.

    Each tick sends every signal of every machine in one sample message; every 10th tick a
    count and every 25th a state. Each record has its own natural key.
    """
    rng = random.Random(seed)
    messages: list[tuple[str, bytes]] = []
    expected: Expected = {}
    machines = demo_machines()
    for tick in range(ticks):
        for n, m in enumerate(machines):
            # + n: distinct instants per machine too
            ms = to_epoch_ms(base + timedelta(seconds=tick * step_s)) + n
            values = {s: round(rng.uniform(0, 200), 3) for s in m.signals}
            messages.append((m.topic("sample"), json.dumps({"ts": ms, **values}).encode()))
            expected.update({("samples", (m.id, s, ms)): (v,) for s, v in values.items()})
            if tick % 10 == 0:
                good, scrap = rng.randint(0, 500), rng.randint(0, 9)
                body: dict[str, Any] = {"ts": ms, "good": good, "scrap": scrap}
                messages.append((m.topic("count"), json.dumps(body).encode()))
                expected[("counts", (m.id, ms))] = (good, scrap, 0)
            if tick % 25 == 0:
                state, reason = _STATES[rng.randrange(len(_STATES))]
                change = {"ts": ms, "state": state, "reason": reason}
                messages.append((m.topic("state"), json.dumps(change).encode()))
                expected[("states", (m.id, ms))] = (state, reason)
    return messages, expected


def stored(url: str) -> tuple[Expected, int]:
    """What the store holds in the same shape, and how many rows (a duplicate would differ)."""
    found: Expected = {}
    rows = 0
    queries = {
        "samples": "SELECT machine_id, signal_id, ts, value, source FROM samples",
        "counts": "SELECT machine_id, ts, good, scrap, rework, source FROM counts",
        "states": "SELECT machine_id, ts, state, reason, source FROM states",
    }
    with psycopg.connect(url) as conn:
        for table, query in queries.items():
            for r in conn.execute(query):
                rows += 1
                assert r[-1] == SOURCE
                key, values = _split(table, r[:-1])
                found[(table, key)] = values
    return found, rows


def _split(table: str, r: tuple[Any, ...]) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    if table == "samples":
        return (r[0], r[1], to_epoch_ms(r[2])), (r[3],)
    return (r[0], to_epoch_ms(r[1])), tuple(r[2:])


def chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    """Consecutive slices of ``size``."""
    for i in range(0, len(items), size):
        yield items[i : i + size]
