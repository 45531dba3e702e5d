"""The dashboard under load: a real ``pabrik serve``, MQTT ingest and logged-in users at once.

Run with ``python -m bench.web [--seconds 60] [--users 50] [--rate 50000] [--machines 100]``.

Method: the demo plant is copied until it has about ``--machines`` machines, given one day of
simulated history, and served by a ``pabrik serve`` subprocess that also runs the live
simulator; an MQTT connector on a private Mosquitto takes the samples (see ``--ingest``).
A publisher subprocess sends JSON samples for every machine's sensor signals (not its energy
meter, which keeps the simulator's minute period) at ``--rate`` points/s, machine after
machine, each stamped with its send time. Every page is loaded once first (a served
dashboard has been running a while). Then ``--users`` logged-in users (asyncio, one HTTP
session each) arrive over the warm-up; each opens the overview, a machine page, losses,
costs, the shift report or the API, stays 20-60 s making the refreshes that page makes at its
own intervals (HTMX every 5 s, charts every 15 s, the alarm banner every 30 s), then opens
another. Figures after the warm-up: p50/p95/p99 per route, errors, the points sent and stored
per second, and the ingest lag (the age of the newest stored MQTT point, one primary-key seek
per machine, twice a second). Targets: p95 < 200 ms on every route, no errors, lag p99 < 2 s,
every point asked for stored.

``--data DIR`` keeps the prepared history for the next run; ``--profile FILE`` records the
server with py-spy during the measured window (raw, for ``python -m bench.flame``), and
``--profile-worker FILE`` the ingest worker likewise.
``--ingest worker`` (the default) runs the MQTT connector in a ``pabrik ingest`` process on
the same store and the server with ``--no-connectors``, as a loaded site is deployed
(docs/deploy.md): decoding and writing 50,000 points/s then never holds the web process's
interpreter lock. ``--ingest serve`` runs it inside ``pabrik serve``, the one-process plant.
``--store postgres`` runs server and worker on a fresh PostgreSQL database (bench/webstore.py)
instead of the SQLite file, as docs/deploy.md advises for a loaded site.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import math
import multiprocessing
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import paho.mqtt.client as paho
import yaml
from paho.mqtt.enums import CallbackAPIVersion

from bench import report
from bench.mqtt import _start_broker
from bench.soak import PASSWORD, USER, free_port, scaled_site
from bench.webstore import BenchStore, bench_store
from bench.webusers import WARM_S, Tally, user, warm
from pabrik.runtime.accounts.access import build_accounts
from pabrik.runtime.accounts.permissions import Role
from pabrik.runtime.app import build_runtime
from pabrik.runtime.settings import Settings

SOURCE = "bench-web-mqtt"
P95_LIMIT_MS = 200.0
LAG_LIMIT_MS = 2000.0
DRAIN_S = 3.0


def _site(folder: Path, machines: int, broker_port: int) -> tuple[Path, list[dict[str, Any]]]:
    """The scaled demo site with an MQTT connector; and each machine's topic and signals."""
    demo_machines = 7
    path = scaled_site(max(1, math.ceil(machines / demo_machines)), folder)
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["connectors"].append(
        {
            "kind": "mqtt",
            "id": SOURCE,
            "broker": {"host": "127.0.0.1", "port": broker_port, "client_id": SOURCE},
            "qos": 0,
        }
    )
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    targets = []
    for area in data["areas"]:
        for line in area["lines"]:
            for m in line["machines"]:
                topic = f"pabrik/v1/{data['site']['id']}/{area['id']}/{line['id']}/{m['id']}/sample"
                # The energy meter keeps the simulator's minute period, as real kWh meters
                # report: a 100 Hz energy signal would make every KPI edge read ~10^5 samples.
                signals = [
                    s["id"] for s in m.get("signals", []) if s["id"] != m.get("energy_signal")
                ]
                if signals:
                    targets.append({"topic": topic, "machine": m["id"], "signals": signals})
    return path, targets


def _prepare(settings: Settings) -> list[str]:
    """One day of history, rollups and the bench user (once per data folder); the machine ids."""
    fresh = bool(settings.database_url) or not (settings.data_dir / "pabrik.sqlite").exists()
    runtime = build_runtime(settings)
    try:
        if not fresh:
            return [m.id for m in runtime.plant.machines()]
        runtime.backfill(days=1)
        runtime.build_rollups(1)
        build_accounts(runtime).create_user(
            None, username=USER, password=PASSWORD, role=Role.SYSTEM_ADMIN, tenant_id=None
        )
        return [m.id for m in runtime.plant.machines()]
    finally:
        runtime.close()


def _publish(port: int, targets: list[dict[str, Any]], rate: float, stop: Any, sent: Any) -> None:
    """Send samples at ``rate`` points/s in 20 ms ticks, machine after machine, until stopped."""
    client = paho.Client(CallbackAPIVersion.VERSION2, client_id="bench-web-publisher")
    client.max_queued_messages_set(0)
    client.connect("127.0.0.1", port)
    client.loop_start()
    rng = random.Random(7)
    # Pre-encoded bodies keep the publisher cheap: only the time stamp is written per message.
    bodies = [
        [
            ",".join(f'"{s}":{rng.uniform(1, 50):.2f}' for s in t["signals"]).encode() + b"}"
            for _ in range(16)
        ]
        for t in targets
    ]
    last_ms = [0] * len(targets)
    began, points, k = time.monotonic(), 0, 0
    while not stop.is_set():
        due = int(rate * (time.monotonic() - began)) - points
        while due > 0:
            i = k % len(targets)
            # A machine's time stamps rise strictly, so no sample is a duplicate of another.
            ts = last_ms[i] = max(int(time.time() * 1000), last_ms[i] + 1)
            body = b'{"ts":%d,' % ts + bodies[i][k % 16]
            client.publish(targets[i]["topic"], body, qos=0)
            points += len(targets[i]["signals"])
            due -= len(targets[i]["signals"])
            k += 1
        sent.value = points
        time.sleep(0.02)
    client.loop_stop()
    client.disconnect()


async def _lag_watch(
    db: BenchStore,
    keys: list[tuple[str, str]],
    stop: asyncio.Event,
    lags: list[float],
    begun: float,
) -> None:
    """Sample the age of the newest stored MQTT point twice a second, after the warm-up."""
    while not stop.is_set():
        newest = await asyncio.to_thread(db.newest_ms, keys, SOURCE)
        if newest is not None and time.monotonic() - begun > WARM_S:
            lags.append(time.time() * 1000 - newest)
        await asyncio.sleep(0.5)


def _cuts(values: list[float]) -> tuple[float, float, float]:
    if len(values) < 2:
        return (values[0],) * 3 if values else (0.0, 0.0, 0.0)
    q = statistics.quantiles(values, n=100)
    return q[49], q[94], q[98]


def _serve(
    site: Path, data: Path, port: int, log: Path, opts: Options, env: dict[str, str]
) -> subprocess.Popen[bytes]:
    """``pabrik serve`` in a subprocess, its output to ``log`` (an unread pipe would block it)."""
    args = [sys.executable, "-m", "pabrik.cli.app", "serve", "--config", str(site)]
    if opts.ingest == "worker":
        args.append("--no-connectors")
    args += ["--data-dir", str(data), "--port", str(port)]
    with log.open("wb") as out:
        proc = subprocess.Popen(
            args, stdout=out, stderr=subprocess.STDOUT, start_new_session=True, env=env
        )
    for _ in range(600):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            raise RuntimeError(f"pabrik serve exited: {log.read_text(errors='replace')[-2000:]}")
        time.sleep(0.2)
    _stop(proc)
    raise RuntimeError("pabrik serve did not become ready")


def _worker(site: Path, data: Path, log: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """A ``pabrik ingest`` worker running the MQTT connector into the same store."""
    args = [sys.executable, "-m", "pabrik.cli.app", "ingest", "--config", str(site)]
    args += ["--data-dir", str(data), "--worker-id", "bench", "--connector", SOURCE]
    with log.open("wb") as out:
        return subprocess.Popen(
            args, stdout=out, stderr=subprocess.STDOUT, start_new_session=True, env=env
        )


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Ask the server to stop, and kill it if it has not within 30 s."""
    os.killpg(proc.pid, signal.SIGINT)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


@dataclass
class Ingest:
    """The ingest figures of the measured window."""

    seconds: float = 0.0
    sent: int = 0
    stored: int = 0
    lags: list[float] = field(default_factory=list)
    cpu: dict[str, float] = field(default_factory=dict)
    """CPU seconds each process used in the window (Linux ``/proc``; empty elsewhere)."""


def _cpu_seconds(pid: int) -> float | None:
    """User plus system CPU seconds of a live process so far (None without ``/proc``)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    # Fields 14 and 15 of stat(5), counted after the ")" that ends the command name.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _cpu_all(pids: dict[str, int]) -> dict[str, float]:
    """CPU seconds so far of each named process that is running."""
    read = {name: _cpu_seconds(pid) for name, pid in pids.items() if pid}
    return {name: s for name, s in read.items() if s is not None}


async def _load(
    base: str, machines: list[str], users: int, seconds: float, watch: Watch
) -> tuple[Tally, Ingest]:
    """Users and the lag watch for the warm-up plus ``seconds``; the figures after the warm-up."""
    await warm(base, machines[0])
    stop, begun = asyncio.Event(), time.monotonic()
    tally, ingest = Tally(begun), Ingest()
    tasks = [asyncio.create_task(user(base, machines, stop, tally)) for _ in range(users)]
    lag_task = asyncio.create_task(_lag_watch(watch.db, watch.keys, stop, ingest.lags, begun))
    await asyncio.sleep(WARM_S)
    spies = _spies(watch, seconds)
    first_ms, sent_before, t0 = int(time.time() * 1000), watch.sent.value, time.monotonic()
    cpu_before = _cpu_all(watch.pids)
    await asyncio.sleep(seconds)
    cpu_after = _cpu_all(watch.pids)
    ingest.seconds = time.monotonic() - t0
    for spy in spies:
        await asyncio.to_thread(_spy_done, spy)
    last_ms, ingest.sent = int(time.time() * 1000), watch.sent.value - sent_before
    ingest.cpu = {k: cpu_after[k] - cpu_before[k] for k in cpu_after if k in cpu_before}
    stop.set()
    await asyncio.gather(*tasks, lag_task)
    await asyncio.sleep(DRAIN_S)  # what was sent in the window has had time to be stored
    ingest.stored = await asyncio.to_thread(watch.db.stored, SOURCE, first_ms, last_ms)
    return tally, ingest


def _rolled_up(log: Path, limit_s: float = 300) -> None:
    """Wait for the server's first background rollup pass, when its code has one.

    A served dashboard has been running a while: its start-up pass over every machine's
    missing rollup hours is over before users come (see docs/performance.md, session 8).
    """
    if importlib.util.find_spec("pabrik.runtime.kpi.ahead") is None:
        return
    began = time.monotonic()
    while time.monotonic() - began < limit_s:
        if "rollups ahead: pass 1," in log.read_text(errors="replace"):
            took = time.monotonic() - began
            print(f"web under load: the server's rollup pass ended after {took:.0f} s")
            return
        time.sleep(0.5)
    print(f"web under load: no rollup pass ended in {limit_s:.0f} s; loading anyway")


def _first_stored(watch: Watch, since_ms: int) -> None:
    """Wait until ingest stores what is published now (a worker may still be connecting)."""
    for _ in range(600):
        newest = watch.db.newest_ms(watch.keys, SOURCE)
        if newest is not None and newest >= since_ms:
            return
        time.sleep(0.2)
    raise RuntimeError("ingest stored nothing of the publisher's samples in 120 s")


def _spy_done(spy: subprocess.Popen[bytes]) -> None:
    """Wait for py-spy to write its profile; on a loaded machine it may take minutes."""
    try:
        spy.wait(300)
    except subprocess.TimeoutExpired:
        spy.kill()  # the figures matter more than the profile
        spy.wait()


def _spies(watch: Watch, seconds: float) -> list[subprocess.Popen[bytes]]:
    """py-spy on the server and the worker for the measured window only (warm-up left out)."""
    spy = Path(sys.executable).with_name("py-spy")
    asked = [(watch.server_pid, watch.profile), (watch.worker_pid, watch.worker_profile)]
    procs = []
    for pid, out in asked:
        if out is None or not pid:
            continue
        args = [str(spy), "record", "-r", "100", "-f", "raw", "-o", str(out)]
        args += ["--pid", str(pid), "--duration", str(int(seconds)), "--nonblocking"]
        procs.append(subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    return procs


@dataclass(frozen=True)
class Watch:
    """Where the bench reads ingest from (database, a key per machine, sent counter); the server."""

    db: BenchStore
    keys: list[tuple[str, str]]
    sent: Any
    server_pid: int = 0
    profile: Path | None = None
    worker_pid: int = 0
    worker_profile: Path | None = None
    pids: dict[str, int] = field(default_factory=dict)
    """The processes whose CPU time the window reports, by name."""


def _print_cpu(ingest: Ingest) -> None:
    """Cores each process kept busy in the window, and their sum against the machine's cores."""
    if not ingest.cpu:
        return
    used = {name: s / ingest.seconds for name, s in ingest.cpu.items()}
    parts = ", ".join(f"{name} {cores:.2f}" for name, cores in used.items())
    total = sum(used.values())
    print(f"cores busy in the window: {parts}; sum {total:.2f} of {os.cpu_count()}")


def _print(tally: Tally, ingest: Ingest, rate: float) -> None:
    print(f"{'route':24} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>6}")
    for label in sorted(tally.times):
        p50, p95, p99 = _cuts(tally.times[label])
        n, errs = len(tally.times[label]), tally.errors[label]
        print(f"{label:24} {n:6d} {p50:8.0f} {p95:8.0f} {p99:8.0f} {errs:6d}")
    lag50, _, lag99 = _cuts(ingest.lags)
    sent, stored = ingest.sent / ingest.seconds, ingest.stored / ingest.seconds
    print(f"ingest: {sent:,.0f} points/s sent, {stored:,.0f} points/s of them stored")
    print(f"ingest lag: p50 {lag50:,.0f} ms, p99 {lag99:,.0f} ms ({len(ingest.lags)} samples)")
    _print_cpu(ingest)
    for label in sorted(tally.times):
        report.limit(f"web under load, {label} p95", _cuts(tally.times[label])[1], P95_LIMIT_MS)
    errors = sum(tally.errors.values())
    report.check(f"web under load: no errors ({errors})", errors == 0)
    report.limit("web under load: ingest lag p99", lag99, LAG_LIMIT_MS)
    report.ratio("web under load: points/s stored / asked", stored, rate, 0.99)


@dataclass(frozen=True)
class Options:
    """What one run asks for."""

    seconds: float = 60
    users: int = 50
    rate: float = 50_000
    machines: int = 100
    data: Path | None = None
    profile: Path | None = None
    ingest: str = "worker"
    """``worker``: MQTT ingest in a ``pabrik ingest`` process; ``serve``: inside the server."""
    worker_profile: Path | None = None
    store: str = "sqlite"
    """``sqlite``: the file in the data folder; ``postgres``: a fresh PostgreSQL database."""


def main(seconds: float = 60, users: int = 50, rate: float = 50_000, machines: int = 100) -> None:
    """Run the load and print its figures against the targets."""
    run(Options(seconds, users, rate, machines))


def run(opts: Options) -> None:
    """Run the load as ``opts`` asks and print its figures against the targets."""
    with tempfile.TemporaryDirectory(prefix="pabrik-bench-web-") as tmp:
        folder = Path(tmp)
        broker, broker_port = _start_broker(folder)
        try:
            _run(folder, broker_port, opts, broker.pid)
        finally:
            broker.kill()
            broker.wait(timeout=10)


def _run(folder: Path, broker_port: int, opts: Options, broker_pid: int) -> None:
    data = opts.data or folder / "data"
    with bench_store(opts.store, data) as db:
        _run_on(folder, (broker_port, broker_pid), opts, data, db)


def _run_on(
    folder: Path, broker: tuple[int, int], opts: Options, data: Path, db: BenchStore
) -> None:
    broker_port, broker_pid = broker
    site, targets = _site(folder, opts.machines, broker_port)
    began = time.monotonic()
    ids = _prepare(Settings(config=site, data_dir=data, database_url=db.url))
    print(f"web under load: history and rollups ready in {time.monotonic() - began:.0f} s")
    port = free_port()
    env = {**os.environ, **db.env()}
    server = _serve(site, data, port, folder / "serve.log", opts, env)
    worker = _worker(site, data, folder / "ingest.log", env) if opts.ingest == "worker" else None
    ctx = multiprocessing.get_context("spawn")
    stop, sent = ctx.Event(), ctx.Value("q", 0)
    publisher = ctx.Process(target=_publish, args=(broker_port, targets, opts.rate, stop, sent))
    print(
        f"web under load: {len(ids)} machines, {opts.users} users, {opts.rate:,.0f} points/s asked,"
        f" MQTT ingest in {'a pabrik ingest worker' if worker else 'the serve process'},"
        f" store {opts.store}"
    )
    keys = [(t["machine"], t["signals"][0]) for t in targets]
    worker_pid = worker.pid if worker is not None else 0
    try:
        began_ms = int(time.time() * 1000)
        publisher.start()
        pids = {"server": server.pid, "worker": worker_pid, "publisher": publisher.pid or 0}
        pids |= {"broker": broker_pid, "users and lag watch": os.getpid()}
        spied = (server.pid, opts.profile, worker_pid, opts.worker_profile)
        watch = Watch(db, keys, sent, *spied, pids)
        _first_stored(watch, began_ms)
        _rolled_up(folder / "serve.log")
        base = f"http://127.0.0.1:{port}"
        tally, ingest = asyncio.run(_load(base, ids, opts.users, opts.seconds, watch))
        _print(tally, ingest, opts.rate)
        if sum(tally.errors.values()):
            print("  errors by route and status:", dict(tally.failures))
            print("  requests without an answer, by exception:", dict(tally.unanswered))
            said = (folder / "serve.log").read_text(errors="replace").splitlines()
            print(*[f"  serve: {line}" for line in said if "Error" in line][-5:], sep="\n")
    finally:
        stop.set()
        publisher.join(timeout=10)
        _stop(server)
        if worker is not None:
            _stop(worker)
            said = (folder / "ingest.log").read_text(errors="replace").splitlines()
            print(*[f"  ingest worker: {line}" for line in said if "received" in line][-1:])


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--rate", type=float, default=50_000)
    parser.add_argument("--machines", type=int, default=100)
    parser.add_argument("--data", type=Path, help="keep the prepared history in this folder")
    parser.add_argument("--profile", type=Path, help="record the server with py-spy (raw) here")
    parser.add_argument(
        "--profile-worker", type=Path, help="record the ingest worker with py-spy (raw) here"
    )
    parser.add_argument(
        "--ingest",
        choices=("worker", "serve"),
        default="worker",
        help="run the MQTT connector in a pabrik ingest worker (default) or inside serve",
    )
    parser.add_argument(
        "--store",
        choices=("sqlite", "postgres"),
        default="sqlite",
        help="the SQLite file (default) or a fresh PostgreSQL database (bench/webstore.py)",
    )
    a = parser.parse_args()
    opts = (a.seconds, a.users, a.rate, a.machines, a.data, a.profile, a.ingest, a.profile_worker)
    run(Options(*opts, a.store))
