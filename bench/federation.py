"""Store-and-forward under faults, the long way: a 10-minute central outage, then the drain.

Run with ``PYTHONPATH=. python -m bench.federation [--outage-s 600] [--rate 10]``. A plant
(``pabrik ingest`` on SQLite) takes live MQTT data from a private Mosquitto; ``pabrik
forward`` sends it over HTTPS to a central (``pabrik serve`` on PostgreSQL from
PABRIK_BENCH_PG / PABRIK_TEST_PG). The central is killed for the outage, while the forwarder is
``kill -9``ed three times and the plant restarted once; the central comes back, the backlog
drains (two more kills follow). Printed: the backlog drain rate against the live rate (target
>= 10x), the live lag's p99 while the backlog drains (target < 2 s), and whether the central
ends with exactly the plant's records.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import paho.mqtt.client as paho
import psycopg
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion

from bench import report
from bench.peers import (
    SUBSCRIBED,
    Proc,
    central_site,
    demo_machines,
    free_port,
    register_plant,
    site_file,
    start_broker,
    tls_files,
)
from bench.postgres import _database, _server
from pabrik.model.records import to_epoch_ms
from pabrik.runtime.federation.forward import Forwarder
from pabrik.storage.sqlite.store import SqliteStore

NOW = datetime.now(UTC)
LAGS: list[tuple[float, float]] = []  # (when, lag in s)
STOP = threading.Event()
_COLS = "machine_id, signal_id, ts, source, value"


def _publish(host: str, port: int, rate: float, sent: list[int]) -> None:
    """Every demo machine sends one sample message per tick, stamped now."""
    client = paho.Client(CallbackAPIVersion.VERSION2, protocol=MQTTProtocolVersion.MQTTv5)
    client.connect(host, port)
    client.loop_start()
    rng = random.Random(7)
    machines = demo_machines()
    tick = 0
    next_at = time.monotonic()
    while not STOP.is_set():
        base = to_epoch_ms(datetime.now(UTC))
        for n, m in enumerate(machines):
            values = {s: round(rng.uniform(0, 200), 3) for s in m.signals}
            body = json.dumps({"ts": base + n, **values}).encode()
            client.publish(m.topic("sample"), body, qos=1)
            sent[0] += len(values)
        tick += 1
        next_at += 1 / rate
        time.sleep(max(0.0, next_at - time.monotonic()))
    client.loop_stop()
    client.disconnect()


def _watch_lag(url: str) -> None:
    """The age of the newest sample at the central, ten times a second (while it answers)."""
    while not STOP.is_set():
        try:
            with psycopg.connect(url, connect_timeout=1) as conn:
                while not STOP.is_set():
                    row = conn.execute("SELECT max(ts) FROM samples").fetchone()
                    if row and row[0] is not None:
                        LAGS.append(
                            (time.monotonic(), (datetime.now(UTC) - row[0]).total_seconds())
                        )
                    time.sleep(0.1)
        except psycopg.Error:
            time.sleep(0.5)


def _pending(db: Path) -> tuple[int, bool]:
    store = SqliteStore(db)
    try:
        split = store.forward_cursors().get("split") is not None
        return Forwarder(store, poster=None).pending(), split  # type: ignore[arg-type]
    finally:
        store.close()


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] if ordered else float("nan")


def _same_records(db: Path, url: str) -> tuple[bool, int, int]:
    with sqlite3.connect(db) as plant:
        ours = set(plant.execute("SELECT machine_id, signal_id, ts_ms, source, value FROM samples"))
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT machine_id, signal_id, ts, source, value FROM samples"
        ).fetchall()
    theirs = {(m, s, to_epoch_ms(ts), src, v) for m, s, ts, src, v in rows}
    return ours == theirs and len(rows) == len(theirs), len(ours), len(rows)


def run(outage_s: float, rate: float, warm_s: float) -> None:
    """The whole scenario; prints its figures."""
    folder = Path(tempfile.mkdtemp(prefix="pabrik-federation-"))
    broker = start_broker(folder / "broker")
    ca, cert, key = tls_files(folder / "tls")
    with _database(_server()) as url:
        credential = folder / "credential"
        credential.write_text(register_plant(url, "pt-bench", "plant-bench"), encoding="utf-8")
        port = free_port()
        tls = {"PABRIK_TLS_CERT_FILE": str(cert), "PABRIK_TLS_KEY_FILE": str(key)}
        central = Proc("central", ["serve", "--config", str(central_site(folder)),
                       "--database-url", url, "--port", str(port),
                       "--data-dir", str(folder / "central")], folder, tls)  # fmt: skip
        plant_dir = folder / "plant"
        site = site_file(folder, broker)
        plant = Proc("plant", ["ingest", "--config", str(site), "--data-dir", str(plant_dir),
                     "--worker-id", "plant-bench"], folder)  # fmt: skip
        fwd = Proc("forwarder", ["forward", "--to", f"https://127.0.0.1:{port}",
                   "--credential-file", str(credential), "--ca-file", str(ca),
                   "--data-dir", str(plant_dir)], folder)  # fmt: skip
        db = plant_dir / "pabrik.sqlite"
        sent = [0]
        threads = [
            threading.Thread(target=_publish, args=(broker.host, broker.port, rate, sent)),
            threading.Thread(target=_watch_lag, args=(url,)),
        ]
        try:
            for p in (central, plant, fwd):
                p.start()
            plant.wait_log(SUBSCRIBED, timeout=120)
            central.wait_log("ready", timeout=120)
            for t in threads:
                t.start()
            began = time.monotonic()
            time.sleep(warm_s)
            live_rate = sent[0] / (time.monotonic() - began)
            print(
                f"federation: live rate {live_rate:,.0f} records/s; central away {outage_s:.0f} s"
            )
            central.kill()
            for k in range(3):  # kill -9 the forwarder three times, restart the plant once
                time.sleep(outage_s / 4)
                fwd.kill()
                fwd.start()
                if k == 1:
                    plant.terminate()
                    plant.start()
            time.sleep(outage_s / 4)
            backlog, _ = _pending(db)
            central.start()
            central.wait_log("ready", timeout=120)
            back = time.monotonic()
            while _pending(db)[1]:
                time.sleep(0.2)
            drained = time.monotonic()
            drain_rate = backlog / (drained - back)
            # From 1 s after the forwarder's first delivery once the central is back: the retry
            # wait, the central's start and the rows queued just before are the outage, not lag.
            first = next((at for at, lag in LAGS if at > back and lag < outage_s / 2), drained)
            since = first + 1.0
            during = [lag for at, lag in LAGS if since <= at <= drained]
            print(f"federation: reconnected {first - back:.1f} s after the central was ready")
            print(f"federation: backlog {backlog:,} rows drained in {drained - back:.1f} s"
                  f" = {drain_rate:,.0f} rows/s; live lag p99 while draining"
                  f" {_p99(during):.2f} s over {len(during)} polls")  # fmt: skip
            for _ in range(2):
                time.sleep(5)
                fwd.kill()
                fwd.start()
            time.sleep(warm_s)
            after = [lag for at, lag in LAGS if at > drained + 15]
            print(f"federation: live lag p99 afterwards {_p99(after):.2f} s")
            STOP.set()
            for t in threads:
                t.join(timeout=30)
            deadline = time.monotonic() + 300
            while _pending(db)[0] and time.monotonic() < deadline:
                time.sleep(1)
            same, ours, theirs = _same_records(db, url)
            print(f"federation: plant {ours:,} samples, central {theirs:,}")
            report.ratio("federation backlog drain / live rate", drain_rate, live_rate, 10)
            report.limit("federation live p99 lag while draining", 1000 * _p99(during), 2000)
            report.check("federation: the central holds exactly the plant's samples", same)
        finally:
            STOP.set()
            for p in (fwd, plant, central):
                p.kill()
            broker.stop()


def main() -> None:
    """Parse the options and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outage-s", type=float, default=600.0)
    parser.add_argument("--rate", type=float, default=10.0, help="ticks per second")
    parser.add_argument("--warm-s", type=float, default=30.0)
    args = parser.parse_args()
    run(args.outage_s, args.rate, args.warm_s)
    report.summary()


if __name__ == "__main__":
    main()
