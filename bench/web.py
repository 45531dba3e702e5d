"""The dashboard under load: a real ``pabrik serve``, MQTT ingest and logged-in users at once.

Run with ``python -m bench.web [--seconds 60] [--users 50] [--rate 50000] [--machines 100]``.

Method: the demo plant is copied until it has about ``--machines`` machines, given one day of
simulated history, and served by a ``pabrik serve`` subprocess that also runs the live
simulator and an MQTT connector on a private Mosquitto. A publisher subprocess sends JSON
samples for every machine's signals at ``--rate`` points/s, each stamped with its send time.
Meanwhile ``--users`` logged-in users (asyncio, one HTTP session each) walk the overview, the
machine pages, losses, costs, the shift report and the API, with the HTMX refreshes those pages
make, about one request a second each. Figures after a warm-up: p50/p95/p99 per route, errors,
the points stored per second, and the ingest lag (the age of the newest stored MQTT point,
sampled twice a second). Targets: p95 < 200 ms on every route, no errors, lag p99 < 2 s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import multiprocessing
import random
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx
import paho.mqtt.client as paho
import yaml
from paho.mqtt.enums import CallbackAPIVersion

from bench import report
from bench.mqtt import _start_broker
from bench.soak import PASSWORD, USER, free_port, scaled_site
from pabrik.runtime.accounts.access import build_accounts
from pabrik.runtime.accounts.permissions import Role
from pabrik.runtime.app import build_runtime
from pabrik.runtime.settings import Settings

SOURCE = "bench-web-mqtt"
WARM_S = 10.0
P95_LIMIT_MS = 200.0
LAG_LIMIT_MS = 2000.0
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


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
                topic = f"pabrik/v1/{data['id']}/{area['id']}/{line['id']}/{m['id']}/sample"
                signals = [s["id"] for s in m.get("signals", [])]
                if signals:
                    targets.append({"topic": topic, "signals": signals})
    return path, targets


def _prepare(settings: Settings) -> list[str]:
    """One day of history, rollups and the bench user; the machine ids."""
    runtime = build_runtime(settings)
    try:
        runtime.backfill(days=1)
        runtime.build_rollups(1)
        build_accounts(runtime).create_user(
            None, username=USER, password=PASSWORD, role=Role.SYSTEM_ADMIN, tenant_id=None
        )
        return [m.id for m in runtime.plant.machines()]
    finally:
        runtime.close()


def _publish(port: int, targets: list[dict[str, Any]], rate: float, stop: Any, sent: Any) -> None:
    """Send samples at ``rate`` points/s in 100 ms ticks until ``stop`` is set."""
    client = paho.Client(CallbackAPIVersion.VERSION2, client_id="bench-web-publisher")
    client.max_queued_messages_set(0)
    client.connect("127.0.0.1", port)
    client.loop_start()
    rng, tick, began = random.Random(7), 0.1, time.monotonic()
    points = 0
    while not stop.is_set():
        due = int(rate * (time.monotonic() - began)) - points
        while due > 0:
            target = rng.choice(targets)
            now_ms = int(time.time() * 1000)
            body = {"ts": now_ms, **{s: round(rng.uniform(1, 50), 2) for s in target["signals"]}}
            client.publish(target["topic"], json.dumps(body), qos=0)
            points += len(target["signals"])
            due -= len(target["signals"])
        sent.value = points
        time.sleep(tick)
    client.loop_stop()
    client.disconnect()


def _newest_ms(db: Path) -> int | None:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
        row = conn.execute("SELECT MAX(ts_ms) FROM samples WHERE source = ?", (SOURCE,)).fetchone()
    return int(row[0]) if row and row[0] is not None else None


def _stored(db: Path) -> int:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
        row = conn.execute("SELECT COUNT(*) FROM samples WHERE source = ?", (SOURCE,)).fetchone()
    return int(row[0])


async def _lag_watch(db: Path, stop: asyncio.Event, lags: list[float], begun: float) -> None:
    while not stop.is_set():
        newest = await asyncio.to_thread(_newest_ms, db)
        if newest is not None and time.monotonic() - begun > WARM_S:
            lags.append(time.time() * 1000 - newest)
        await asyncio.sleep(0.5)


def _routes(machines: list[str], rng: random.Random) -> list[tuple[str, str]]:
    """(label, path) for one user's next request: pages and their HTMX refreshes."""
    m = rng.choice(machines)
    return [
        ("overview", "/"),
        ("overview refresh", "/partials/overview"),
        ("alarm banner refresh", "/partials/alarms/banner"),
        ("machine page", f"/machines/{m}?window=shift"),
        ("machine API", f"/api/v1/machines/{m}?window=shift"),
        ("losses", "/kpi/losses?scope=plant&window=day"),
        ("costs", "/kpi/costs"),
        ("shift report", "/kpi/shift-report"),
        ("OEE API", "/api/v1/oee?scope=plant&window=day"),
    ]


async def _log_in(base: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=base, timeout=30)
    page = await client.get("/login")
    token = _TOKEN.search(page.text)
    if token is None:
        raise RuntimeError("the login form has no CSRF token")
    form = {"username": USER, "password": PASSWORD, "csrf_token": token.group(1)}
    await client.post("/login", data=form)
    return client


async def _user(base: str, machines: list[str], stop: asyncio.Event, tally: Tally) -> None:
    rng = random.Random()
    client = await _log_in(base)
    try:
        while not stop.is_set():
            label, path = rng.choice(_routes(machines, rng))
            began = time.perf_counter()
            try:
                status = (await client.get(path)).status_code
            except httpx.HTTPError:
                status = 599
            tally.add(label, time.perf_counter() - began, status)
            await asyncio.sleep(rng.uniform(0.5, 1.5))
    finally:
        await client.aclose()


class Tally:
    """Latencies and errors per route, after the warm-up."""

    def __init__(self, begun: float) -> None:
        self.begun = begun
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)

    def add(self, label: str, seconds: float, status: int) -> None:
        """Count one request if the warm-up is over."""
        if time.monotonic() - self.begun < WARM_S:
            return
        self.times[label].append(seconds * 1000)
        if status >= 400:
            self.errors[label] += 1


def _cuts(values: list[float]) -> tuple[float, float, float]:
    if len(values) < 2:
        return (values[0],) * 3 if values else (0.0, 0.0, 0.0)
    q = statistics.quantiles(values, n=100)
    return q[49], q[94], q[98]


def _serve(site: Path, data: Path, port: int) -> subprocess.Popen[bytes]:
    args = [sys.executable, "-m", "pabrik.cli.app", "serve", "--config", str(site)]
    args += ["--data-dir", str(data), "--port", str(port)]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    for _ in range(600):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            raise RuntimeError(f"pabrik serve exited: {proc.stderr.read()[-2000:]!r}")  # type: ignore[union-attr]
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError("pabrik serve did not become ready")


async def _load(base: str, machines: list[str], users: int, seconds: float, db: Path) -> Any:
    stop, begun = asyncio.Event(), time.monotonic()
    tally, lags = Tally(begun), []
    tasks = [asyncio.create_task(_user(base, machines, stop, tally)) for _ in range(users)]
    watch = asyncio.create_task(_lag_watch(db, stop, lags, begun))
    stored_before = await asyncio.to_thread(_stored, db)
    await asyncio.sleep(seconds)
    stop.set()
    await asyncio.gather(*tasks, watch, return_exceptions=True)
    stored = await asyncio.to_thread(_stored, db) - stored_before
    return tally, lags, stored


def _print(tally: Tally, lags: list[float], stored: int, sent: int, seconds: float) -> None:
    print(f"{'route':24} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>6}")
    for label in sorted(tally.times):
        p50, p95, p99 = _cuts(tally.times[label])
        n, errs = len(tally.times[label]), tally.errors[label]
        print(f"{label:24} {n:6d} {p50:8.0f} {p95:8.0f} {p99:8.0f} {errs:6d}")
    lag50, _, lag99 = _cuts(lags)
    print(f"ingest: {sent / seconds:,.0f} points/s sent, {stored / seconds:,.0f} points/s stored")
    print(f"ingest lag: p50 {lag50:,.0f} ms, p99 {lag99:,.0f} ms ({len(lags)} samples)")
    for label in sorted(tally.times):
        report.limit(f"web under load, {label} p95", _cuts(tally.times[label])[1], P95_LIMIT_MS)
    report.check(f"web under load: no errors ({sum(tally.errors.values())})", not tally.errors)
    report.limit("web under load: ingest lag p99", lag99, LAG_LIMIT_MS)


def main(seconds: float = 60, users: int = 50, rate: float = 50_000, machines: int = 100) -> None:
    """Run the load and print its figures against the targets."""
    with tempfile.TemporaryDirectory(prefix="pabrik-bench-web-") as tmp:
        folder = Path(tmp)
        broker, broker_port = _start_broker(folder)
        site, targets = _site(folder, machines, broker_port)
        settings = Settings(config=site, data_dir=folder / "data")
        ids = _prepare(settings)
        port = free_port()
        server = _serve(site, folder / "data", port)
        ctx = multiprocessing.get_context("spawn")
        stop, sent = ctx.Event(), ctx.Value("q", 0)
        publisher = ctx.Process(target=_publish, args=(broker_port, targets, rate, stop, sent))
        print(f"web under load: {len(ids)} machines, {users} users, {rate:,.0f} points/s asked")
        try:
            publisher.start()
            time.sleep(WARM_S / 2)
            sent_before = sent.value
            tally, lags, stored = asyncio.run(
                _load(
                    f"http://127.0.0.1:{port}",
                    ids,
                    users,
                    seconds,
                    folder / "data" / "pabrik.sqlite",
                )
            )
            _print(tally, lags, stored, sent.value - sent_before, seconds)
        finally:
            stop.set()
            publisher.join(timeout=10)
            server.terminate()
            server.wait(timeout=30)
            broker.kill()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--rate", type=float, default=50_000)
    parser.add_argument("--machines", type=int, default=100)
    a = parser.parse_args()
    main(a.seconds, a.users, a.rate, a.machines)
