"""End-to-end ingest: MQTT -> ``pabrik ingest`` workers -> PostgreSQL, and the 12-month KPI
query on PostgreSQL.

Throughput method: a private Mosquitto, 1 or 2 real ``pabrik ingest`` processes on a shared
subscription, a fresh database. The workers connect and subscribe, then are paused with
SIGSTOP; N JSON messages (the demo plant's machines, 4 signals per message, QoS 1) are
published and queued by the broker; the workers are resumed with SIGCONT and the clock runs
until every point is committed (polled with count(*)). So the publisher is out of the
measurement and the figure is what the workers, the broker and PostgreSQL sustain together.

KPI method: the KPI benchmark's generated and built database (bench/kpi.py:
PABRIK_BENCH_MACHINES x PABRIK_BENCH_DAYS, default 100 x 365): its records written into
PostgreSQL with the pabrik writer, its hourly and minute rollup rows saved through the pabrik
store (the same engine made them from the same records), then the 12-month plant query
(median of 5) and the rollup = raw check of one machine on PostgreSQL.

The server comes from PABRIK_BENCH_PG, else PABRIK_TEST_PG, else 127.0.0.1:5432; each run
makes uniquely named databases and drops them. Without Mosquitto or PostgreSQL it prints
one skip line.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import paho.mqtt.client as paho
import psycopg
import yaml
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion

from bench import kpi, report
from bench.mqtt import _start_broker
from bench.postgres import _database, _server
from pabrik.model.records import CountRecord, Record, StateRecord, from_epoch_ms
from pabrik.model.states import StateClass
from pabrik.runtime.kpi.engine import KpiEngine
from pabrik.runtime.settings import redact_url
from pabrik.storage.postgres.store import PostgresStore
from pabrik.storage.rollups import ROLLUP_COLUMNS

CONFIG = Path("examples/demo-plant.yaml")
N = int(os.environ.get("PABRIK_BENCH_INGEST_N", "30000"))
BASE = datetime(2025, 3, 10, tzinfo=UTC)
WAIT_S = 600.0


def _site(folder: Path, port: int) -> tuple[Path, list[tuple[str, list[str]]]]:
    """The demo plant with an MQTT connector; and each machine's sample topic and signals."""
    data = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    data["connectors"] = [
        {
            "kind": "mqtt",
            "id": "mqtt",
            "broker": {"host": "127.0.0.1", "port": port, "client_id": "bench"},
            "session_expiry_s": 3600,
        }
    ]
    path = folder / "site.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    topics = [
        (
            f"pabrik/v1/{data['site']['id']}/{a['id']}/{ln['id']}/{m['id']}/sample",
            [s["id"] for s in m["signals"]],
        )
        for a in data["areas"]
        for ln in a["lines"]
        for m in ln["machines"]
    ]
    return path, topics


def _messages(topics: list[tuple[str, list[str]]]) -> tuple[list[tuple[str, bytes]], int]:
    """N sample messages over the machines, each with all signals; and the point count."""
    out: list[tuple[str, bytes]] = []
    points = 0
    for i in range(N):
        topic, signals = topics[i % len(topics)]
        ms = int((BASE + timedelta(milliseconds=i)).timestamp() * 1000)
        body = {"ts": ms} | {s: float(i % 97) + 0.5 for s in signals}
        out.append((topic, json.dumps(body).encode()))
        points += len(signals)
    return out, points


def _publish(port: int, messages: list[tuple[str, bytes]]) -> None:
    pub = paho.Client(CallbackAPIVersion.VERSION2, protocol=MQTTProtocolVersion.MQTTv5)
    pub.max_inflight_messages_set(5000)
    pub.max_queued_messages_set(0)
    pub.connect("127.0.0.1", port)
    pub.loop_start()
    infos = [pub.publish(t, p, qos=1) for t, p in messages]
    for info in infos:
        info.wait_for_publish(WAIT_S)
    pub.disconnect()
    pub.loop_stop()


def _rows(url: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT count(*) FROM samples").fetchone()
    return int(row[0]) if row else 0


def _wait(check: Any, what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _start_workers(count: int, site: Path, url: str, folder: Path) -> list[subprocess.Popen[bytes]]:
    procs = []
    for i in range(count):
        log = (folder / f"w{i}.log").open("wb")
        procs.append(
            subprocess.Popen(
                [sys.executable, "-m", "pabrik.cli.app", "ingest", "--config", str(site),
                 "--database-url", url, "--worker-id", f"bench-{i}"],
                stdout=log, stderr=subprocess.STDOUT,
            )
        )  # fmt: skip
    for i in range(count):
        path = folder / f"w{i}.log"
        _wait(lambda p=path: "subscribed as" in p.read_text(errors="replace"), "a worker")
    return procs


def _throughput(admin: str, workers: int) -> tuple[float, float]:
    """Messages and points per second for ``workers`` processes draining N queued messages."""
    with tempfile.TemporaryDirectory() as tmp, _database(admin) as url:
        folder = Path(tmp)
        broker, port = _start_broker(folder)
        procs: list[subprocess.Popen[bytes]] = []
        try:
            site, topics = _site(folder, port)
            messages, points = _messages(topics)
            procs = _start_workers(workers, site, url, folder)
            for p in procs:
                p.send_signal(signal.SIGSTOP)
            _publish(port, messages)
            began = time.perf_counter()
            for p in procs:
                p.send_signal(signal.SIGCONT)
            _wait(lambda: _rows(url) >= points, "every point")
            took = time.perf_counter() - began
        finally:
            for p in procs:
                p.send_signal(signal.SIGCONT)
                p.terminate()
                p.wait(60)
            broker.terminate()
            broker.wait(60)
    return N / took, points / took


def _copy_kpi_rows(sqlite_path: Path, store: PostgresStore) -> int:
    """Move the generated states and counts into PostgreSQL through the pabrik writer."""
    conn = sqlite3.connect(sqlite_path)
    written = 0
    for query, make in (
        ("SELECT machine_id, ts_ms, source, state, reason FROM states", _state),
        ("SELECT machine_id, ts_ms, source, good, scrap, rework FROM counts", _count),
    ):
        cursor = conn.execute(query)
        while rows := cursor.fetchmany(50_000):
            store.write([make(r) for r in rows])
            written += len(rows)
    conn.close()
    return written


def _copy_rollups(sqlite_path: Path, url: str) -> int:
    """COPY the SQLite build's hour, downtime and minute rows into PostgreSQL's rollup tables.

    The same engine made them from the same records (the daily downtime table follows by its
    triggers); the query and the rollup = raw check below read PostgreSQL's copy. Building
    the year again took about 4 minutes of the bench.
    """
    src = sqlite3.connect(sqlite_path)
    cols = ("machine_id", "start_ms", *ROLLUP_COLUMNS)
    tables = (
        ("kpi_rollup_hour", cols),
        ("kpi_rollup_minute", cols),
        ("kpi_rollup_downtime", ("machine_id", "start_ms", "state", "reason", "ms")),
    )
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        for table, names in tables:
            listed = ", ".join(names)
            with cur.copy(f"COPY {table} ({listed}) FROM STDIN") as copy:  # type: ignore[arg-type]
                for row in src.execute(f"SELECT {listed} FROM {table}"):
                    copy.write_row(row)
    # As autovacuum leaves a running server (a 4-minute build gave it the time): the daily
    # downtime rows, updated by trigger once per hourly row, cleaned; statistics made.
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    hours = int(src.execute("SELECT count(*) FROM kpi_rollup_hour").fetchone()[0])
    src.close()
    return hours


def _state(r: tuple[Any, ...]) -> Record:
    return StateRecord(r[2], r[0], from_epoch_ms(r[1]), StateClass(r[3]), r[4])


def _count(r: tuple[Any, ...]) -> Record:
    return CountRecord(r[2], r[0], from_epoch_ms(r[1]), r[3], r[4], r[5])


def _kpi_figures(admin: str) -> None:
    plant = kpi._plant()
    machines = plant.machines()
    with _database(admin) as url:
        path = kpi.built()
        store = PostgresStore(url, pool_size=2)
        store.upgrade()
        began = time.perf_counter()
        rows = _copy_kpi_rows(path, store)
        print(f"  loaded {rows:,} state and count rows in {time.perf_counter() - began:.1f} s")
        engine = KpiEngine(plant, store, lambda: kpi.NOW)
        began = time.perf_counter()
        engine.ensure_rollup_config()
        copied = _copy_rollups(path, url)
        took = time.perf_counter() - began
        print(f"  rollups: {copied:,} hours copied from the SQLite build in {took:.1f} s")
        began = time.perf_counter()
        built = engine.build(kpi.START, kpi.END)
        print(f"  rollups built on top: {built:,} hours in {time.perf_counter() - began:.1f} s")
        lo, hi = kpi.START + timedelta(minutes=17), kpi.END - timedelta(minutes=43)
        times = []
        for _ in range(5):
            t = time.perf_counter()
            engine.accounts(machines, lo, hi, detail=False)
            times.append(time.perf_counter() - t)
        year = statistics.median(times) * 1000
        print(f"  {kpi.DAYS}-day plant query (rollups + raw edges): {year:.0f} ms (median of 5)")
        reason_times = []
        for _ in range(3):
            t = time.perf_counter()
            engine.accounts(machines, lo, hi)
            reason_times.append(time.perf_counter() - t)
        reasons = statistics.median(reason_times) * 1000
        print(f"  same with downtime by reason: {reasons:.0f} ms (median of 3)")
        report.limit("PostgreSQL 12-month plant query", year, 1000)
        report.limit("PostgreSQL 12-month plant query with downtime by reason", reasons, 1000)
        m = machines[0]
        rolled, raw = engine.account(m, lo, hi), engine.raw_account(m, lo, hi)
        same = rolled.elements == raw.elements and rolled.downtime_ms == raw.downtime_ms
        print(f"  rollup result equals raw result ({m.id}, whole span, with reasons): {same}")
        report.check("PostgreSQL 12-month rollup result equals raw recomputation", same)
        store.close()


def main() -> None:
    """Print end-to-end ingest and 12-month KPI figures, or one skip line."""
    admin = _server()
    try:
        with psycopg.connect(admin, connect_timeout=3):
            pass
    except psycopg.Error as err:
        print(f"ingest: skipped, no PostgreSQL at {redact_url(admin)} ({type(err).__name__})")
        return
    if (shutil.which("mosquitto") or shutil.which("mosquitto", path="/usr/sbin")) is None:
        print("ingest: skipped end-to-end figures, mosquitto is not installed")
    else:
        print(f"ingest end to end, MQTT -> pabrik ingest -> PostgreSQL ({N:,} messages):")
        for workers in (1, 2):
            msgs, points = _throughput(admin, workers)
            print(f"  {workers} worker(s): {msgs:,.0f} msg/s, {points:,.0f} points/s")
    print(f"kpi on postgresql: {kpi.MACHINES} machines x {kpi.DAYS} days")
    _kpi_figures(admin)


if __name__ == "__main__":
    main()
