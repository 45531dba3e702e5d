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

from pabrik.runtime.app import build_runtime
from pabrik.runtime.settings import Settings
from pabrik.storage.sqlite import SqliteStore, migrations, rows_by_table

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


def _summary(times: list[float]) -> str:
    return f"p50 {statistics.median(times) * 1000:.1f} ms, p95 {_p(times, 95) * 1000:.1f} ms"


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
        print(f"  pabrik (simulate + validate + write): {backfill_s:.2f} s, {rate:,.0f} records/s")

        store = SqliteStore(settings.sqlite_path())
        start = UNTIL - timedelta(days=DAYS)
        rows: list[object] = []
        for m in runtime.plant.machines():
            rows += store.states(m.id, start, UNTIL)
            rows += store.counts(m.id, start - timedelta(seconds=1), UNTIL)
            for s in m.signals:
                rows += store.samples(m.id, s.id, start, UNTIL)
        store.close()
        raw_s = _baseline(rows, folder)
        raw_rate = len(rows) / raw_s
        print(
            f"  baseline raw sqlite3 executemany (same rows): {raw_s:.2f} s, {raw_rate:,.0f} rows/s"
        )
        print(f"  ratio pabrik/raw throughput: {rate / raw_rate:.2f}")

        shift_times, plant_times = [], []
        machine_ids = [m.id for m in runtime.plant.machines()]
        for i in range(40):
            end = UNTIL - timedelta(hours=8 * i)
            t = time.perf_counter()
            runtime.oee(machine_ids[i % machines], end - timedelta(hours=8), end)
            shift_times.append(time.perf_counter() - t)
        for _ in range(10):
            t = time.perf_counter()
            runtime.oee("plant", start, UNTIL)
            plant_times.append(time.perf_counter() - t)
        print("oee query (raw state intervals, no rollups yet):")
        print(f"  one machine, one shift: {_summary(shift_times)}")
        print(f"  whole plant, {DAYS} days: {_summary(plant_times)}")
        runtime.close()
