"""Soak: the demo plant at 10x its machines, live, with 20 dashboard users, for 30 minutes.

Run with ``python -m bench.soak [--minutes 30] [--users 20] [--scale 10] [--interval 60]``.
One process serves the app (uvicorn in a thread, the plant simulated live); the users are
threads with their own logged-in HTTP sessions walking the overview, machine pages, the
losses page and the OEE API. Every interval it prints the process's RSS, open files and
threads; at the end, their growth from the first five minutes (or the first fifth of a
shorter run) to the end. Target: RSS grows under 10 %, and no file descriptors or threads
are leaked.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import socket
import statistics
import tempfile
import threading
import time
from contextlib import closing
from pathlib import Path
from typing import Any

import httpx
import uvicorn
import yaml

from pabrik.runtime.accounts.access import build_accounts
from pabrik.runtime.accounts.permissions import Role
from pabrik.runtime.app import Runtime, build_runtime
from pabrik.runtime.settings import Settings
from pabrik.web.app import create_app

CONFIG = Path("examples/demo-plant.yaml")
USER, PASSWORD = "soak-admin", "soak password for the benchmark only"
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
LATENCIES: list[float] = []


def scaled_site(scale: int, folder: Path) -> Path:
    """The demo site with every machine copied ``scale`` times on its own line."""
    data: dict[str, Any] = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    for area in data["areas"]:
        for line in area["lines"]:
            copies = []
            for machine in line["machines"]:
                for k in range(scale):
                    twin = dict(machine)
                    if k:
                        twin["id"] = f"{machine['id']}-x{k}"
                        twin["name"] = {n: f"{t} #{k + 1}" for n, t in machine["name"].items()}
                    copies.append(twin)
            line["machines"] = copies
    path = folder / "soak-plant.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def free_port() -> int:
    """A free TCP port on loopback."""
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def usage() -> tuple[int, int, int]:
    """RSS in KiB, open file descriptors and live threads of this process."""
    status = Path("/proc/self/status").read_text(encoding="utf-8")
    rss = int(re.search(r"VmRSS:\s+(\d+)", status).group(1))  # type: ignore[union-attr]
    return rss, len(os.listdir("/proc/self/fd")), threading.active_count()


def log_in(base: str) -> httpx.Client:
    """A logged-in session, as a browser gets one."""
    client = httpx.Client(base_url=base, timeout=30)
    token = _TOKEN.search(client.get("/login").text)
    assert token, "the login form carries a CSRF token"
    form = {"username": USER, "password": PASSWORD, "csrf_token": token.group(1)}
    client.post("/login", data=form)
    return client


def user_loop(base: str, machines: list[str], stop: threading.Event, tally: list[int]) -> None:
    """One dashboard user: a page or an API call every second or so, until stopped."""
    rng = random.Random()
    while not stop.is_set():
        try:
            client = log_in(base)
            break
        except httpx.HTTPError:
            tally[1] += 1
    else:
        return
    try:
        while not stop.is_set():
            path = rng.choice(
                [
                    "/",
                    f"/machines/{rng.choice(machines)}?window=shift",
                    "/kpi/losses?scope=plant&window=day",
                    "/api/v1/oee?scope=plant&window=day",
                    "/partials/overview",
                ]
            )
            began = time.perf_counter()
            try:
                status = client.get(path).status_code
            except httpx.HTTPError:
                status = 599  # a timeout or a dropped connection counts as a failed request
            LATENCIES.append(time.perf_counter() - began)
            tally[0 if status < 400 else 1] += 1
            stop.wait(rng.uniform(0.5, 1.5))
    finally:
        client.close()


def serve(runtime: Runtime, settings: Settings, port: int) -> uvicorn.Server:
    """The app, live, in a background thread."""
    app = create_app(settings, runtime, live=True)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    threading.Thread(target=server.run, name="soak-server", daemon=True).start()
    while not server.started:
        time.sleep(0.1)
    return server


def report(samples: list[tuple[float, int, int, int]], warm_s: float) -> None:
    """Growth of RSS, files and threads from the end of warm-up to the end."""
    base = next((s for s in samples if s[0] >= warm_s), samples[0])
    last = samples[-1]
    growth = (last[1] - base[1]) / base[1] * 100
    print(
        f"growth from the first {warm_s / 60:.0f} min to the end: RSS {growth:+.1f} %"
        f" ({base[1] // 1024} → {last[1] // 1024} MiB), open files {base[2]} → {last[2]},"
        f" threads {base[3]} → {last[3]}; target: RSS < +10 %, no leaked files or threads"
    )


def percentiles(values: list[float]) -> str:
    """p50 and p95 of request latencies, in ms."""
    if len(values) < 2:
        return "–"
    cuts = statistics.quantiles(values, n=100)
    return f"p50 {cuts[49] * 1000:.0f} ms, p95 {cuts[94] * 1000:.0f} ms"


def main() -> None:
    """Run the soak and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--interval", type=float, default=60, help="seconds between figures")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pabrik-soak-") as tmp:
        folder = Path(tmp)
        settings = Settings(config=scaled_site(args.scale, folder), data_dir=folder / "data")
        runtime = build_runtime(settings)
        runtime.backfill(days=0.25)
        runtime.build_rollups(0.25)
        accounts = build_accounts(runtime)
        accounts.create_user(
            None, username=USER, password=PASSWORD, role=Role.SYSTEM_ADMIN, tenant_id=None
        )
        machines = [m.id for m in runtime.plant.machines()]
        port = free_port()
        server = serve(runtime, settings, port)
        stop, tally = threading.Event(), [0, 0]
        base = f"http://127.0.0.1:{port}"
        users = [
            threading.Thread(target=user_loop, args=(base, machines, stop, tally), daemon=True)
            for _ in range(args.users)
        ]
        for u in users:
            u.start()
        print(f"soak: {len(machines)} machines, {args.users} users, {args.minutes:g} min")
        began, samples = time.monotonic(), []
        try:
            while (elapsed := time.monotonic() - began) < args.minutes * 60:
                rss, files, threads = usage()
                samples.append((elapsed, rss, files, threads))
                print(
                    f"{elapsed / 60:5.1f} min  RSS {rss // 1024:5d} MiB  files {files:4d}"
                    f"  threads {threads:3d}  requests {tally[0]} ok / {tally[1]} failed"
                    f"  latency {percentiles(LATENCIES[-2000:])}",
                    flush=True,
                )
                time.sleep(min(args.interval, max(0.0, args.minutes * 60 - elapsed)))
            samples.append((time.monotonic() - began, *usage()))
        finally:
            stop.set()
            for u in users:
                u.join(timeout=5)
            server.should_exit = True
            time.sleep(1)
        report(samples, warm_s=min(300.0, args.minutes * 60 / 5))
        print(f"requests: {tally[0]} ok, {tally[1]} failed; latency {percentiles(LATENCIES)}")


if __name__ == "__main__":
    main()
