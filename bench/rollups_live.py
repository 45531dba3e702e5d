"""KPI reads through rollups while a writer keeps ingesting (the dashboard's store side).

The demo plant is scaled (every machine copied ``--scale`` times) and given a simulated
history; the hourly rollups of the last day are built once. Then a writer thread streams
what live machines send, at the current time (45 minutes into the clock's hour): per
machine a temperature sample, an energy meter reading and a count, ``--rate`` points/s.
Meanwhile the main thread reads every machine's account over the last 24 h (what the
overview shows), ``--reads`` times, and prints p50/p95 of a read, the hours recomputed
from raw per read and the fills whose save was refused.

Run it once on this tree and once on an older one (``PYTHONPATH=<old>/src:.``) for a
before/after on the same machine; ``--pg URL`` uses a fresh PostgreSQL database instead.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.postgres import _database
from bench.soak import scaled_site
from pabrik.connectors.simulator.plant import SimulatedPlant
from pabrik.model.records import CountRecord, Record, SampleRecord
from pabrik.model.site import Plant
from pabrik.runtime.kpi.engine import KpiEngine
from pabrik.runtime.plant.siteconfig import load_site
from pabrik.storage.postgres.store import PostgresStore
from pabrik.storage.sqlite.store import SqliteStore

UNTIL = datetime(2025, 3, 10, 0, 0, tzinfo=UTC)
CLOCK = UNTIL + timedelta(minutes=45)
HISTORY = timedelta(hours=26)


def _clock() -> datetime:
    return CLOCK


def _tick(plant: Plant, tick: int) -> list[Record]:
    """What every machine sends in one tick (10 ms apart, just after the hour began)."""
    ts = UNTIL + timedelta(milliseconds=10 * tick + 1)
    out: list[Record] = []
    for m in plant.machines():
        out.append(SampleRecord("live", m.id, "temp_c", ts, 40.0 + tick % 7))
        if m.energy_signal:
            out.append(SampleRecord("live", m.id, m.energy_signal, ts, 1e6 + tick / 100))
        out.append(CountRecord("live", m.id, ts, 1, 0, 0))
    return out


def _writer(
    store: SqliteStore | PostgresStore,
    plant: Plant,
    stop: threading.Event,
    rate: int,
    sent: list[int],
) -> None:
    """Write one tick at a time at ``rate`` points/s until stopped; count points in sent[0]."""
    began, tick = time.perf_counter(), 0
    while not stop.is_set():
        batch = _tick(plant, tick)
        store.write(batch)
        tick += 1
        sent[0] += len(batch)
        ahead = sent[0] / rate - (time.perf_counter() - began)
        if ahead > 0:
            time.sleep(ahead)


def main() -> None:
    """Print read latency and recompute figures under a live writer."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=int, default=3)
    parser.add_argument("--rate", type=int, default=1000, help="points per second written")
    parser.add_argument("--reads", type=int, default=15)
    parser.add_argument("--pg", default="", help="admin URL of a PostgreSQL server")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        site = load_site(scaled_site(args.scale, Path(tmp)))
        plant = site.plant()
        store: SqliteStore | PostgresStore
        if args.pg:
            store = PostgresStore(stack.enter_context(_database(args.pg)), pool_size=4)
        else:
            store = SqliteStore(Path(tmp) / "live.sqlite", synchronous="NORMAL")
        store.upgrade()
        simulator = site.simulator()
        assert simulator is not None, "the demo site has a simulator"
        history = list(SimulatedPlant(plant, simulator, UNTIL - HISTORY).advance_to(UNTIL))
        for i in range(0, len(history), 10_000):
            store.write(history[i : i + 10_000])
        engine = KpiEngine(plant, store, _clock)
        machines = plant.machines()
        window = (CLOCK - timedelta(hours=24), CLOCK)
        engine.accounts(machines, *window)  # builds the day's rollups
        print(
            f"rollups under writes: {len(machines)} machines, {len(history):,} history records,"
            f" {'PostgreSQL' if args.pg else 'SQLite'}, writer at {args.rate:,} points/s"
        )
        stop, sent = threading.Event(), [0]
        writer = threading.Thread(
            target=_writer, args=(store, plant, stop, args.rate, sent), daemon=True
        )
        writer.start()
        time.sleep(1.0)
        raw0, unsaved0, sent0, t0 = (
            engine.stats.raw_hours,
            engine.stats.unsaved_fills,
            sent[0],
            time.perf_counter(),
        )
        times = []
        for _ in range(args.reads):
            began = time.perf_counter()
            engine.accounts(machines, *window)
            times.append(time.perf_counter() - began)
            time.sleep(0.2)
        written = (sent[0] - sent0) / (time.perf_counter() - t0)
        stop.set()
        writer.join()
        store.close()
    p95 = statistics.quantiles(times, n=20, method="inclusive")[18]
    print(f"  24 h account of every machine: p50 {statistics.median(times) * 1000:,.0f} ms,")
    print(f"    p95 {p95 * 1000:,.0f} ms over {args.reads} reads")
    raw = (engine.stats.raw_hours - raw0) / args.reads
    print(f"  hours recomputed from raw per read: {raw:.1f}")
    print(f"  fills whose save was refused: {engine.stats.unsaved_fills - unsaved0}")
    print(f"  points written meanwhile: {written:,.0f}/s")


if __name__ == "__main__":
    main()
