"""MQTT end to end into SQLite, against two bare paho subscribers measured in the same run.

Method: a private Mosquitto queues N messages (JSON, 3 values each) for a persistent session
while its subscriber is away; then the subscriber connects and drains the queue. The time
from connect to the last message handled gives msg/s. Draining a queue takes the publisher
out of the measurement, so every subscriber faces the same broker doing the same work.

- ceiling: bare paho, each payload parsed with msgspec (the parser pabrik uses);
- bare + executemany: the same, plus the values as rows into the same SQLite schema with
  ``INSERT .. ON CONFLICT DO NOTHING``, one transaction per 2,000 messages (pabrik's batch),
  synchronous=FULL; no validation, no dead letters, acks on receipt;
- pabrik: the MQTT connector decoding, validating and committing to SQLite (synchronous=FULL),
  acknowledging QoS 1 only after the commit;
- bare with pabrik's paho client (not a target, printed for honesty; first run only): the
  ceiling's subscriber on ``BufferedClient`` (buffered socket reads, plain PUBLISH packets
  read without paho's message objects), the network work pabrik itself does.

Each subscriber's CPU per message (this process) is printed too: on a loaded machine it moves
less than msg/s.

The four run RUNS times, in turn; the figures are medians of the msg/s.
"""

from __future__ import annotations

import getpass
import json
import os
import shutil
import socket
import sqlite3
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import msgspec
import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from bench import report
from pabrik.connectors.mqtt import MqttConfig
from pabrik.connectors.mqtt.client import BufferedClient
from pabrik.connectors.mqtt.connector import MqttConnector
from pabrik.runtime.ingest.connectors import IngestSink
from pabrik.runtime.ingest.pipeline import Ingestor
from pabrik.runtime.plant.siteconfig import load_site
from pabrik.storage.sqlite.store import SqliteStore

CONFIG = Path("examples/demo-plant.yaml")
TOPIC = "pabrik/v1/plastindo-cikarang/injeksi/cetak-tutup/imm-01/sample"
N = int(os.environ.get("PABRIK_BENCH_MQTT_N", "50000"))
RUNS = int(os.environ.get("PABRIK_BENCH_MQTT_RUNS", "3"))
# Which QoS levels to measure, e.g. "0" for a shorter run or a profile.
LEVELS = [int(q) for q in os.environ.get("PABRIK_BENCH_MQTT_QOS", "0,1").split(",")]
BATCH = 2000
# The ceiling, bare + executemany, pabrik, and the ceiling with pabrik's paho client.
NAMES = ("bare", "bare+sql", "pabrik", "bare fast")
_INSERT = (
    "INSERT INTO samples (machine_id, signal_id, ts_ms, source, value, quality)"
    " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
)
HOST = "127.0.0.1"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def _start_broker(folder: Path) -> tuple[subprocess.Popen[bytes], int]:
    binary = shutil.which("mosquitto") or shutil.which("mosquitto", path="/usr/sbin")
    if binary is None:
        raise RuntimeError("mosquitto is not installed")
    port = _free_port()
    conf = folder / "mosquitto.conf"
    conf.write_text(
        f"listener {port} {HOST}\nallow_anonymous true\nuser {getpass.getuser()}\n"
        "persistence false\nmax_queued_messages 0\nmax_inflight_messages 0\n"
        "queue_qos0_messages true\n",
        encoding="utf-8",
    )
    proc = subprocess.Popen([binary, "-c", str(conf)], stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            socket.create_connection((HOST, port), timeout=0.2).close()
        except OSError:
            time.sleep(0.05)
        else:
            return proc, port
    proc.kill()
    raise RuntimeError("mosquitto did not start")


def _client(client_id: str, *, fast: bool = False, **kw: object) -> paho.Client:
    kind = BufferedClient if fast else paho.Client
    return kind(
        CallbackAPIVersion.VERSION2, client_id=client_id, protocol=MQTTProtocolVersion.MQTTv5, **kw
    )


def _props() -> Properties:
    p = Properties(PacketTypes.CONNECT)
    p.SessionExpiryInterval = 3600
    p.ReceiveMaximum = 10_000
    return p


def _make_session(port: int, client_id: str, qos: int) -> None:
    """Create the persistent session and its subscription, then leave."""
    c = _client(client_id)
    done = threading.Event()
    c.on_connect = lambda cl, u, f, rc, p: cl.subscribe(TOPIC, qos)
    c.on_subscribe = lambda *a: done.set()
    c.connect(HOST, port, clean_start=False, properties=_props())
    c.loop_start()
    done.wait(30)
    c.disconnect()
    c.loop_stop()


def _fill(port: int, qos: int, base: datetime) -> None:
    """Publish N messages with 3 values each; the broker queues them for the session."""
    pub = _client("bench-publisher")
    pub.max_inflight_messages_set(5000)
    pub.max_queued_messages_set(0)
    pub.connect(HOST, port)
    pub.loop_start()
    last = None
    for i in range(N):
        ts = int((base + timedelta(milliseconds=i)).timestamp() * 1000)
        body = json.dumps(
            {"ts": ts, "temperature": 40 + i % 7, "vibration": 2.5, "pressure": 120.0}
        )
        last = pub.publish(TOPIC, body, qos=qos)
        if qos and i % 5000 == 4999:
            last.wait_for_publish(120)
    if last is not None:
        last.wait_for_publish(120)
    time.sleep(0.5)  # let the broker settle the last QoS 0 messages into the queue
    pub.disconnect()
    pub.loop_stop()


def _bare(
    port: int, client_id: str, folder: Path | None = None, *, fast: bool = False
) -> tuple[float, float]:
    """Seconds (wall, CPU) for a bare paho subscriber to receive, parse (and insert) the queue.

    ``fast``: with pabrik's own paho client (buffered reads, plain PUBLISH packets read raw).
    """
    count = 0
    done = threading.Event()
    loads = msgspec.json.Decoder().decode
    conn = None if folder is None else _raw_db(folder / f"raw-{client_id}.sqlite")
    rows: list[tuple[object, ...]] = []

    def on_message(c: paho.Client, u: object, m: paho.MQTTMessage) -> None:
        on_raw(m.topic, m.payload, m.qos, m.mid, m.retain)

    def on_raw(topic: str | None, payload: bytes, qos: int, mid: int, retain: bool) -> None:
        nonlocal count
        data = loads(payload)
        count += 1
        if conn is not None:
            machine, ts = str(topic).split("/")[5], data["ts"]
            rows.extend(
                (machine, k, ts, "bench", float(v), "good") for k, v in data.items() if k != "ts"
            )
            if count % BATCH == 0 or count >= N:
                conn.execute("BEGIN")
                conn.executemany(_INSERT, rows)
                conn.execute("COMMIT")
                rows.clear()
        if count >= N:
            done.set()

    c = _client(client_id, fast=fast)
    c.on_message = on_message
    if isinstance(c, BufferedClient):
        c.on_raw_message = on_raw
    began, cpu = time.perf_counter(), time.process_time()
    c.connect(HOST, port, clean_start=False, properties=_props())
    c.loop_start()
    done.wait(600)
    elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu
    c.disconnect()
    c.loop_stop()
    if conn is not None:
        conn.close()
    return elapsed, cpu


def _raw_db(path: Path) -> sqlite3.Connection:
    """A fresh database with pabrik's schema, opened as a bare writer would."""
    SqliteStore(path).upgrade()
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    return conn


def _pabrik(port: int, client_id: str, qos: int, folder: Path) -> tuple[float, float]:
    """Seconds (wall, CPU) for the pabrik connector to decode, validate and commit the queue."""
    plant = load_site(CONFIG).plant()
    store = SqliteStore(folder / f"bench-{client_id}.sqlite")
    store.upgrade()
    config = MqttConfig.model_validate(
        {
            "id": "bench",
            "broker": {"host": HOST, "port": port, "client_id": client_id},
            "qos": qos,
            "subscriptions": [TOPIC],
        }
    )
    connector = MqttConnector(config, plant)
    began, cpu = time.perf_counter(), time.process_time()
    connector.start(IngestSink(Ingestor(store, plant)))
    # Submitted records are committed records: the sink returns only after the commit.
    _wait(lambda: connector.metrics.accepted + connector.metrics.rejected * 3 >= 3 * N, 600)
    elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu
    connector.close()
    stored = store.row_counts()["samples"]
    store.close()
    if stored != 3 * N:
        print(f"  (warning: {stored:,} samples stored, {connector.metrics.rejected} rejected)")
    return elapsed, cpu


def _wait(check: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError("timed out")
        time.sleep(0.01)


def _trio(port: int, qos: int, folder: Path, run: int) -> dict[str, float]:
    """msg/s and CPU us/msg of the ceiling, the bare writer and pabrik, each draining a queue."""
    base = datetime.now(UTC) - timedelta(hours=2)
    rates = {}
    for name in NAMES:
        if name == "bare fast" and run > 0:
            continue  # not a target: its first run is enough, and make bench stays short
        client_id = f"bench-{name.replace('+', '-')}-q{qos}-{run}"
        _make_session(port, client_id, qos)
        _fill(port, qos, base)
        if name == "pabrik":
            took, cpu = _pabrik(port, client_id, qos, folder)
        else:
            db = folder if name == "bare+sql" else None
            took, cpu = _bare(port, client_id, db, fast=name == "bare fast")
        rates[name] = N / took
        # CPU of this process per message: less sensitive to other load than msg/s.
        rates[f"{name} cpu"] = cpu / N * 1e6
    return rates


def main() -> None:
    """Print MQTT ingest figures for QoS 0 and 1 with their ratios to the bare subscribers."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        try:
            broker, port = _start_broker(folder)
        except RuntimeError as err:
            print(f"mqtt: skipped ({err})")
            return
        try:
            print(
                f"mqtt: {N:,} messages x 3 values (JSON ~90 B) drained from a private Mosquitto,"
                f" median of {RUNS} runs"
            )
            for qos, target in ((0, 0.70), (1, 0.80)):
                if qos not in LEVELS:
                    continue
                runs = [_trio(port, qos, folder, i) for i in range(RUNS)]
                bare, raw, ours, fast = (
                    statistics.median(r[k] for r in runs if k in r) for k in NAMES
                )
                print(
                    f"  QoS {qos}: pabrik -> SQLite {ours:,.0f} msg/s ({3 * ours:,.0f} points/s);"
                    f" ceiling bare paho + msgspec {bare:,.0f} msg/s;"
                    f" bare + raw executemany {raw:,.0f} msg/s;"
                    f" bare with pabrik's paho client {fast:,.0f} msg/s"
                )
                for k, what in (("bare", "ceiling"), ("bare+sql", "bare + executemany")):
                    each = ", ".join(f"{r['pabrik'] / r[k]:.2f}" for r in runs)
                    print(f"     pabrik / {what} per run: {each}")
                cpu = ", ".join(
                    f"{k} {statistics.median(r[f'{k} cpu'] for r in runs if k in r):.0f}"
                    for k in NAMES
                )
                print(f"     CPU of the process, us per message: {cpu}")
                # Not a target: how far pabrik is from a bare subscriber on its own client.
                print(f"     pabrik / bare with pabrik's paho client: {ours / fast:.2f}")
                report.ratio(f"MQTT QoS {qos} pabrik / ceiling", ours, bare, target)
                report.ratio(f"MQTT QoS {qos} pabrik / bare + executemany", ours, raw, 0.90)
        finally:
            broker.terminate()
            broker.wait()


if __name__ == "__main__":
    main()
