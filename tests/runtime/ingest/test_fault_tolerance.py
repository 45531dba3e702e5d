"""The deployment fault test: over 100k records through a real Mosquitto to two ``pabrik
ingest`` processes writing to a real PostgreSQL, with 10 kill -9s of workers in mid-batch,
one broker restart and one PostgreSQL restart; afterwards the store holds exactly the
records sent, and the KPI rollups built during the run equal a recomputation from raw.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest

from pabrik.model.site import Plant
from pabrik.runtime.kpi.engine import KpiEngine
from pabrik.runtime.plant.siteconfig import load_site
from pabrik.storage.postgres.store import PostgresStore
from tests.connectors.peers import Broker
from tests.runtime.ingest.peers import (
    BASE,
    SUBSCRIBED,
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

TICKS = 3600  # 7 machines: 100,800 samples + 2,520 counts + 1,008 states = 104,328 records
STEP_S = 3.0  # three hours of plant time, so rollups cover several hours
KILLS = 10
SEED = 20250310
DATA_END = BASE + timedelta(seconds=TICKS * STEP_S)
KPI_NOW = DATA_END + timedelta(hours=2)


@dataclass
class FaultLog:
    """What the test did, printed at the end so a run can be read back."""

    kills: int = 0
    kills_in_transaction: int = 0
    broker_restarts: int = 0
    pg_restarts: int = 0
    kpi_queries: int = 0
    kpi_errors: int = 0
    events: list[str] = field(default_factory=list)

    def note(self, began: float, text: str) -> None:
        self.events.append(f"{time.monotonic() - began:6.1f}s {text}")


@pytest.fixture
def pg() -> Iterator[RestartablePg]:
    server = restartable_pg()
    yield server
    server.close()


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    b = private_broker(tmp_path / "broker")
    yield b
    b.stop()


def _kill_one(w: WorkerProcess, db: str, log: FaultLog, began: float) -> None:
    """Kill -9 a worker, inside a write transaction when one shows within 10 s; restart it."""
    w.wait_log(SUBSCRIBED)
    deadline = time.monotonic() + 10
    mid = False
    while time.monotonic() < deadline and not mid:
        mid = in_transaction(db, w.app_name)
    w.kill()
    log.kills += 1
    log.kills_in_transaction += mid
    log.note(began, f"kill -9 {w.worker_id} ({'in a transaction' if mid else 'between writes'})")
    w.start()


def _schedule(rng: random.Random) -> list[str]:
    """Ten kills with the broker restart and the PostgreSQL restart among them."""
    events = ["kill"] * KILLS
    events.insert(rng.randint(2, 5), "broker")
    events.insert(rng.randint(7, 10), "postgres")
    return events


def _query_kpis(engine: KpiEngine, stop: threading.Event, log: FaultLog) -> None:
    """Use the KPIs during the run, so rollups are saved while records still arrive."""
    machines = engine.plant.machines()
    while not stop.wait(1.5):
        try:
            engine.accounts(machines, BASE, DATA_END + timedelta(hours=1))
            log.kpi_queries += 1
        except Exception:  # noqa: BLE001 - the database restarts during the run
            log.kpi_errors += 1


def _assert_rollups_equal_raw(engine: KpiEngine) -> None:
    windows = [
        (BASE, DATA_END + timedelta(hours=1)),
        (BASE + timedelta(minutes=17), DATA_END - timedelta(minutes=23)),
        (BASE + timedelta(hours=1), BASE + timedelta(hours=2)),
    ]
    for m in engine.plant.machines():
        for start, end in windows:
            rolled, raw = engine.account(m, start, end), engine.raw_account(m, start, end)
            assert (m.id, start, rolled.elements) == (m.id, start, raw.elements)
            assert rolled.extras == raw.extras


def _plant(site: Path) -> Plant:
    return load_site(site).plant()


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_two_workers_store_exactly_the_sent_records_through_kills_and_restarts(
    pg: RestartablePg, broker: Broker, tmp_path: Path
) -> None:
    rng = random.Random(SEED)
    began = time.monotonic()
    log = FaultLog()
    db = pg.database()
    site = site_file(tmp_path, broker, batch_size=500)
    workers = [WorkerProcess(f"w{i}", site, db, tmp_path) for i in (1, 2)]
    store = PostgresStore(db, pool_size=2, timeout_s=2)
    stop_kpis = threading.Event()
    try:
        for w in workers:
            w.start()
        for w in workers:
            w.wait_log(SUBSCRIBED)
        messages, expected = record_set(TICKS, seed=SEED, step_s=STEP_S)
        assert len(expected) >= 100_000
        engine = KpiEngine(_plant(site), store, lambda: KPI_NOW)
        kpis = threading.Thread(target=_query_kpis, args=(engine, stop_kpis, log), daemon=True)
        kpis.start()
        pub = Publisher(broker)
        # About 70 s of publishing, so every fault lands while records flow.
        sending = pub.send_in_background(messages, chunk=300, pause_s=0.6)
        log.note(began, f"publishing {len(messages):,} messages, {len(expected):,} records")
        for event in _schedule(rng):
            time.sleep(rng.uniform(2.0, 5.0))
            if event == "kill":
                _kill_one(rng.choice(workers), db, log, began)
            elif event == "broker":
                broker.restart()
                log.broker_restarts += 1
                log.note(began, "broker restarted")
            else:
                pg.stop()
                log.note(began, "postgresql stopped")
                time.sleep(2.0)
                pg.start()
                log.pg_restarts += 1
                log.note(began, "postgresql started")
        sending.join(300)
        assert not sending.is_alive()
        log.note(began, f"publisher done ({pub.resent_chunks} chunk(s) re-sent)")
        wait_for(lambda: count_rows(db) == len(expected), "every record", 300)
        log.note(began, "every record stored")
        stop_kpis.set()
        kpis.join(60)
        # A worker restarted by the last kill may still be starting (no signal handler yet,
        # so SIGTERM ends it with -15): the clean stop is asked of running workers.
        for w in workers:
            w.wait_log(SUBSCRIBED)
        assert [w.terminate() for w in workers] == [0, 0]
        found, rows = stored(db)
        log.note(began, "compared")
        print("\n".join(log.events))
        print(f"kills {log.kills} ({log.kills_in_transaction} inside a write transaction),")
        print(f"kpi queries during the run {log.kpi_queries} ({log.kpi_errors} failed)")
        assert (log.kills, log.broker_restarts, log.pg_restarts) == (KILLS, 1, 1)
        assert rows == len(expected)  # no duplicates
        assert found.keys() == expected.keys()  # no loss
        assert found == expected  # and the values as sent
        assert store.dead_letter_count() == 0
        _assert_rollups_equal_raw(engine)
        assert engine.stats.rollup_hours > 0
    finally:
        stop_kpis.set()
        stop_all(workers)
        store.close()
