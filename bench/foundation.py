"""Backfill rate and OEE query time for a 7-day, 6-machine simulated plant.

The baseline is raw ``sqlite3.executemany`` of the same rows into the same schema,
measured in the same process, so the ratio shows what validation and the pabrik
writer cost on this machine.
"""

from __future__ import annotations

import sqlite3
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pabrik.connectors.simulator.config import SimulatorConfig
from pabrik.connectors.simulator.plant import SimulatedPlant
from pabrik.runtime.app import build_runtime
from pabrik.runtime.ingest.pipeline import Ingestor
from pabrik.runtime.settings import Settings
from pabrik.storage.sqlite.schema import migrations
from pabrik.storage.sqlite.store import SqliteStore, rows_by_table

CONFIG = Path("examples/demo-plant.yaml")
UNTIL = datetime(2025, 3, 10, 0, 0, tzinfo=UTC)
DAYS = 7


def _clock() -> datetime:
    return UNTIL


def _baseline(records: list[object], folder: Path) -> float:
    """Seconds for raw executemany of the same rows, 10k rows per transaction."""
    conn = sqlite3.connect(folder / "raw.sqlite", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    for _, sql in migrations():
        conn.executescript(sql)
    states, counts, samples = rows_by_table(records)  # type: ignore[arg-type]
    began = time.perf_counter()
    for sql, rows in (
        ("INSERT INTO states VALUES (?, ?, ?, ?, ?, ?, ?)", states),
        ("INSERT INTO counts VALUES (?, ?, ?, ?, ?, ?, ?)", counts),
        ("INSERT INTO samples VALUES (?, ?, ?, ?, ?, ?)", samples),
    ):
        for i in range(0, len(rows), 10_000):
            conn.execute("BEGIN")
            conn.executemany(sql, rows[i : i + 10_000])
            conn.execute("COMMIT")
    elapsed = time.perf_counter() - began
    conn.close()
    return elapsed


def _p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def _summary(times: list[float]) -> str:
    return f"p50 {statistics.median(times) * 1000:.1f} ms, p95 {_p(times, 95) * 1000:.1f} ms"


def _no_simulator() -> SimulatorConfig:
    raise SystemExit("the demo plant has no simulator connector")


def main() -> None:
    """Print backfill and query figures."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        settings = Settings(config=CONFIG, data_dir=folder / "pabrik")
        runtime = build_runtime(settings, clock=_clock)
        began = time.perf_counter()
        written = runtime.backfill(DAYS)
        backfill_s = time.perf_counter() - began
        machines = len(runtime.plant.machines())
        print(f"backfill: {DAYS} days x {machines} machines = {written:,} records")
        rate = written / backfill_s
        print(
            f"  end to end (simulate + validate + write): {backfill_s:.2f} s, {rate:,.0f} records/s"
        )

        records = SimulatedPlant(
            runtime.plant, runtime.site.simulator() or _no_simulator(), UNTIL - timedelta(days=DAYS)
        ).advance_to(UNTIL)
        began = time.perf_counter()
        store = SqliteStore(folder / "writer.sqlite")
        store.upgrade()
        ingestor = Ingestor(store, runtime.plant, clock=_clock)
        for i in range(0, len(records), 10_000):
            ingestor.ingest(records[i : i + 10_000])
        write_s = time.perf_counter() - began
        store.close()
        raw_s = _baseline(list(records), folder)
        write_rate, raw_rate = len(records) / write_s, len(records) / raw_s
        print(f"  pabrik writer (validate + idempotent write): {write_rate:,.0f} records/s")
        print(f"  baseline raw sqlite3 executemany, same rows: {raw_rate:,.0f} rows/s")
        print(f"  ratio pabrik writer / raw: {write_rate / raw_rate:.2f}")

        shift_times, plant_times = [], []
        machine_ids = [m.id for m in runtime.plant.machines()]
        t = time.perf_counter()
        runtime.oee("plant", runtime.window(None, UNTIL - timedelta(days=DAYS), UNTIL))
        cold_s = time.perf_counter() - t
        for i in range(40):
            end = UNTIL - timedelta(hours=8 * i)
            t = time.perf_counter()
            runtime.oee(
                machine_ids[i % machines], runtime.window(None, end - timedelta(hours=8), end)
            )
            shift_times.append(time.perf_counter() - t)
        for _ in range(10):
            t = time.perf_counter()
            runtime.oee("plant", runtime.window(None, UNTIL - timedelta(days=DAYS), UNTIL))
            plant_times.append(time.perf_counter() - t)
        print(f"oee query: first plant query {cold_s:.2f} s (builds the hourly rollups), then:")
        print(f"  one machine, one shift: {_summary(shift_times)}")
        print(f"  whole plant, {DAYS} days: {_summary(plant_times)}")
        runtime.close()
