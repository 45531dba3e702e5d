"""A small SQLite write's wait while another process commits batches back to back.

Run with ``python -m bench.sqlite_wait [--seconds 10] [--batch 6000] [--rounds 2]``.

Method: one store file; a writer subprocess commits ``--batch`` samples per ``store.write``,
back to back with nothing in between (the ingest worker decodes and detects between its
batches, so this is the worst case for a waiter). This process makes one
small write transaction (a checkpoint upsert, the size of a session's touch) every 20 ms and
times it. Each round runs twice, first with the store's writer queue off (SQLite's busy
handler alone, as before) and then on, so the two figures share one process and one load.
Prints the small write's p50/p95/p99/max and the writer's batches per second for each.
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pabrik.model.records import SampleRecord
from pabrik.storage.sqlite.store import SqliteStore

BATCHES = 200
"""Batches built ahead by the writer; more than a window commits."""


def _writer(path: Path, batch: int, queue: bool, stop: Any, batches: Any) -> None:
    """Commit ``batch`` samples per transaction, back to back, until stopped."""
    store = SqliteStore(path, synchronous="NORMAL", queue_writers=queue)
    # Built before the first commit, so the commits follow each other with no pause.
    t0 = datetime.now(UTC)
    ready = [
        [
            SampleRecord(
                "bench", f"m{i % 100}", "s", t0 + timedelta(milliseconds=k * batch + i), 1.0
            )
            for i in range(batch)
        ]
        for k in range(BATCHES)
    ]
    n = 0
    while not stop.is_set() and n < BATCHES:
        store.write(ready[n])
        n += 1
        batches.value = n
    store.close()


def _round(path: Path, seconds: float, batch: int, queue: bool) -> tuple[list[float], float]:
    """The small writes' times (ms) and the writer's batches per second in one window."""
    ctx = multiprocessing.get_context("spawn")
    stop, batches = ctx.Event(), ctx.Value("q", 0)
    proc = ctx.Process(target=_writer, args=(path, batch, queue, stop, batches))
    proc.start()
    store = SqliteStore(path, synchronous="NORMAL", queue_writers=queue)
    while batches.value < 1:
        time.sleep(0.05)
    times: list[float] = []
    first, began = batches.value, time.monotonic()
    i = 0
    while time.monotonic() - began < seconds:
        t = time.perf_counter()
        store.write([], checkpoints={"probe": str(i)})
        times.append((time.perf_counter() - t) * 1000)
        i += 1
        time.sleep(0.02)
    rate = (batches.value - first) / (time.monotonic() - began)
    stop.set()
    proc.join(timeout=60)
    store.close()
    return times, rate


def main(seconds: float = 10, batch: int = 6000, rounds: int = 2) -> None:
    """Run the rounds and print the figures."""
    with tempfile.TemporaryDirectory(prefix="pabrik-bench-wait-") as tmp:
        path = Path(tmp) / "wait.sqlite"
        SqliteStore(path).upgrade()
        print(f"{'writer queue':12} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}", end="")
        print(f" {'max ms':>8} {'batches/s':>9}")
        for _ in range(rounds):
            for queue in (False, True):
                times, rate = _round(path, seconds, batch, queue)
                q = statistics.quantiles(times, n=100)
                label = "on" if queue else "off"
                print(f"{label:12} {len(times):5d} {q[49]:8.1f} {q[94]:8.1f} {q[98]:8.1f}", end="")
                print(f" {max(times):8.1f} {rate:9.1f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--batch", type=int, default=6000)
    parser.add_argument("--rounds", type=int, default=2)
    a = parser.parse_args()
    main(a.seconds, a.batch, a.rounds)
