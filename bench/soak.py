"""Soak: the demo plant at 10x its machines, live, with 20 dashboard users, for 30 minutes.

Run with ``python -m bench.soak [--minutes 30] [--users 20] [--scale 10] [--interval 60]``.
One process serves the app (uvicorn in a thread, the plant simulated live); the users are
threads with their own logged-in HTTP sessions walking the overview, machine pages, the
losses page and the OEE API. Every interval it prints the process's RSS, open files and
threads, and where the memory is (SQLite's own, malloc in use and free, Python blocks). After
the first five minutes (or the first fifth of a shorter run) it notes the open files and
threads by kind, and at the end prints what changed and one verdict line per target: RSS
grows under 10 %, and files and threads reach no new peak (they swing with the request
worker pool). With ``--tracemalloc`` (or ``PABRIK_SOAK_TRACEMALLOC=1``) it also prints the 10
allocation sites that grew most: tracing starts after warm-up and slows the server several
times, so give it fewer users (``--users 5``) or read its request figures with that in mind.
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
from array import array
from collections.abc import Sequence
from contextlib import closing
from pathlib import Path
from typing import Any

import httpx
import uvicorn
import yaml

from bench.soakprobe import POOLS, Probe, diff, heap, start_tracing, usage
from pabrik.runtime.accounts.access import build_accounts
from pabrik.runtime.accounts.permissions import Role
from pabrik.runtime.app import Runtime, build_runtime
from pabrik.runtime.settings import Settings
from pabrik.web.app import create_app

CONFIG = Path("examples/demo-plant.yaml")
USER, PASSWORD = "soak-admin", "soak password for the benchmark only"
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
LATENCIES = array("d")
"""Every request's latency in seconds (8 bytes each, so the record itself barely grows)."""


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


Sample = tuple[float, int, int, int, int]
"""Seconds since the start, RSS in KiB, open files, threads, threads in worker pools."""


def verdicts(measured: Sequence[Sample]) -> list[str]:
    """One line per target, over the samples after warm-up.

    RSS: the last against the first, under +10 %. Threads swing with the worker pools (an
    AnyIO worker idle for 10 s ends), so a single pair of readings says little: a leak shows
    as a peak in the last third above the first third's, outside the pools, and the pools
    must stay within their caps.
    """
    base, last = measured[0], measured[-1]
    growth = (last[1] - base[1]) / base[1] * 100
    met = {True: "met", False: "MISSED"}
    third = max(1, len(measured) // 3)
    lines = [
        f"verdict RSS: {growth:+.1f} % ({base[1] // 1024} → {last[1] // 1024} MiB),"
        f" target < +10 %: {met[growth < 10]}"
    ]
    series = {
        "open files": [s[2] for s in measured],
        "threads outside the worker pools": [s[3] - s[4] for s in measured],
    }
    for name, values in series.items():
        early, late = values[:third], values[-third:]
        lines.append(
            f"verdict {name}: first third {min(early)}–{max(early)}, last third"
            f" {min(late)}–{max(late)} (end {values[-1]}), target no new peak:"
            f" {met[max(late) <= max(early)]}"
        )
    pooled = max(s[4] for s in measured)
    lines.append(
        f"verdict worker-pool threads: peak {pooled}, all threads {measured[0][3]} →"
        f" {last[3]}, target within the pools' caps ({sum(POOLS.values())}):"
        f" {met[pooled <= sum(POOLS.values())]}"
    )
    return lines


def percentiles(values: Sequence[float]) -> str:
    """p50 and p95 of request latencies, in ms."""
    if len(values) < 2:
        return "–"
    cuts = statistics.quantiles(values, n=100)
    return f"p50 {cuts[49] * 1000:.0f} ms, p95 {cuts[94] * 1000:.0f} ms"


def arguments() -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--interval", type=float, default=60, help="seconds between figures")
    parser.add_argument(
        "--tracemalloc",
        action="store_true",
        default=os.environ.get("PABRIK_SOAK_TRACEMALLOC") == "1",
        help="trace allocations and print the 10 sites that grew most (slower)",
    )
    return parser.parse_args()


def start_users(base: str, machines: list[str], count: int) -> tuple[threading.Event, list[int]]:
    """``count`` dashboard users in threads; set the event to stop them."""
    stop, tally = threading.Event(), [0, 0]
    for k in range(count):
        threading.Thread(
            target=user_loop,
            args=(base, machines, stop, tally),
            name=f"soak-user-{k}",
            daemon=True,
        ).start()
    return stop, tally


def watch(
    minutes: float, interval: float, tally: list[int], *, trace: bool
) -> tuple[list[Sample], Probe, Probe]:
    """Print the figures each interval; probe files, threads, memory after warm-up and at end.

    With ``trace`` allocations are traced from the end of warm-up, so the end's snapshot holds
    exactly what was allocated since and is still alive (and warm-up runs at full speed).
    """
    warm_s = min(300.0, minutes * 60 / 5)
    began, samples, base = time.monotonic(), list[Sample](), None
    while (elapsed := time.monotonic() - began) < minutes * 60:
        rss, files, threads, pooled = usage()
        samples.append((elapsed, rss, files, threads, pooled))
        if base is None and elapsed >= warm_s:
            if trace:
                start_tracing()
            base = Probe()
        print(
            f"{elapsed / 60:5.1f} min  RSS {rss // 1024:5d} MiB  files {files:4d}"
            f"  threads {threads:3d} ({pooled:2d} pooled)"
            f"  requests {tally[0]} ok / {tally[1]} failed"
            f"  latency {percentiles(LATENCIES[-2000:])}  [{heap()}]",
            flush=True,
        )
        time.sleep(min(interval, max(0.0, minutes * 60 - elapsed)))
    samples.append((time.monotonic() - began, *usage()))
    end = Probe()
    return samples, base or end, end


def main() -> None:
    """Run the soak and print its figures."""
    args = arguments()
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
        server = serve(runtime, settings, port := free_port())
        stop, tally = start_users(f"http://127.0.0.1:{port}", machines, args.users)
        print(f"soak: {len(machines)} machines, {args.users} users, {args.minutes:g} min", end="")
        print(", tracing allocations after warm-up" if args.tracemalloc else "", flush=True)
        try:
            samples, first, last = watch(args.minutes, args.interval, tally, trace=args.tracemalloc)
        finally:
            stop.set()
            server.should_exit = True
            time.sleep(2)
        warm_s = min(300.0, args.minutes * 60 / 5)
        measured = [s for s in samples if s[0] >= warm_s] or samples
        print(f"from {measured[0][0] / 60:.1f} min to the end ({samples[-1][0] / 60:.1f} min):")
        print("\n".join(diff(first, last)))
        print(f"requests: {tally[0]} ok, {tally[1]} failed; latency {percentiles(LATENCIES)}")
        print("\n".join(verdicts(measured)))


if __name__ == "__main__":
    main()
