"""Backfill rate, the SQLite writer and OEE query time for a 7-day simulated demo plant.

The baseline is raw ``sqlite3.executemany`` of the same rows into the same schema with the
same idempotency (``INSERT .. ON CONFLICT DO NOTHING``), 10k rows per transaction, measured
in the same process (median of RUNS), so the ratios show what the pabrik writer and
validation cost on this machine:

- writer, rows in: ``SqliteStore.write`` of a batch whose samples are rows (the MQTT fast
  path) against raw executemany of the same prebuilt rows;
- writer, records in: ``SqliteStore.write`` of record objects against raw executemany that
  also starts from the records (turning them into tuples is timed on both sides);
- ingest: ``Ingestor.ingest`` (validate + write) against the same raw-from-records baseline.

The writer with rows in is also timed on a forwarding plant's store (its forward indexes
made, migration 0020), to show what forwarding costs ingest.
"""

from __future__ import annotations

import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench import report
from pabrik.connectors.simulator.config import SimulatorConfig
from pabrik.connectors.simulator.plant import SimulatedPlant
from pabrik.model.batch import RecordBatch
from pabrik.model.records import CountRecord, Record, SampleRecord, StateRecord, to_epoch_ms
from pabrik.model.site import Plant
from pabrik.runtime.app import build_runtime
from pabrik.runtime.ingest.pipeline import Ingestor
from pabrik.runtime.settings import Settings
from pabrik.storage.sqlite.schema import migrations
from pabrik.storage.sqlite.store import SqliteStore

CONFIG = Path("examples/demo-plant.yaml")
UNTIL = datetime(2025, 3, 10, 0, 0, tzinfo=UTC)
DAYS = 7
RUNS = 3
BATCH = 10_000
_RAW = (
    (
        "INSERT INTO states (machine_id, ts_ms, source, state, reason, product_id, order_id)"
        " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        0,
    ),
    (
        "INSERT INTO counts (machine_id, ts_ms, source, good, scrap, rework, product_id)"
        " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        1,
    ),
    (
        "INSERT INTO samples (machine_id, signal_id, ts_ms, source, value, quality)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        2,
    ),
)


def _clock() -> datetime:
    return UNTIL


def _raw_conn(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    for _, sql in migrations():
        conn.executescript(sql)
    return conn


def _plain_rows(records: list[Record]) -> tuple[list[tuple[object, ...]], ...]:
    """The plainest loop from records to parameter rows, as a bare writer would have it."""
    states: list[tuple[object, ...]] = []
    counts: list[tuple[object, ...]] = []
    samples: list[tuple[object, ...]] = []
    for r in records:
        ts = to_epoch_ms(r.ts)
        if isinstance(r, SampleRecord):
            samples.append((r.machine_id, r.signal_id, ts, r.source, r.value, r.quality.value))
        elif isinstance(r, CountRecord):
            counts.append((r.machine_id, ts, r.source, r.good, r.scrap, r.rework, r.product_id))
        elif isinstance(r, StateRecord):
            row = (r.machine_id, ts, r.source, r.state.value, r.reason, r.product_id, r.order_id)
            states.append(row)
    return states, counts, samples


def _raw(path: Path, batches: list[Any]) -> float:
    """Seconds for raw idempotent executemany, one transaction per batch.

    A batch is either its three tables of prebuilt rows or a list of records, turned into
    rows inside the timing by the plainest loop.
    """
    conn = _raw_conn(path)
    began = time.perf_counter()
    for batch in batches:
        tables = _plain_rows(batch) if isinstance(batch, list) else batch
        conn.execute("BEGIN")
        for sql, at in _RAW:
            if tables[at]:
                conn.executemany(sql, tables[at])
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - began
    conn.close()
    return elapsed


def _as_rows(batch: list[Record]) -> RecordBatch:
    """A batch whose samples are rows, as the MQTT fast path hands them over."""
    others = [r for r in batch if not isinstance(r, SampleRecord)]
    rows = [
        (r.machine_id, r.signal_id, to_epoch_ms(r.ts), r.source, r.value, r.quality.value)
        for r in batch
        if isinstance(r, SampleRecord)
    ]
    return RecordBatch(others, rows)


def _timed(path: Path, write: Callable[[SqliteStore], None], *, forwarding: bool = False) -> float:
    store = SqliteStore(path)
    store.upgrade()
    if forwarding:
        store.forward_head()  # a forwarding plant: the first forward read makes the indexes
    began = time.perf_counter()
    write(store)
    took = time.perf_counter() - began
    store.close()
    return took


def _each(
    batches: list[Any], write: Callable[[SqliteStore, Any], object]
) -> Callable[[SqliteStore], None]:
    def run(store: SqliteStore) -> None:
        for b in batches:
            write(store, b)

    return run


def _writer_figures(records: list[Record], plant: Plant, folder: Path) -> None:
    """Median of RUNS of each writer and baseline on fresh files, same rows."""
    batches = [records[i : i + BATCH] for i in range(0, len(records), BATCH)]
    as_rows = [_as_rows(b) for b in batches]
    prebuilt = [(*_plain_rows(list(b.records))[:2], list(b.rows)) for b in as_rows]
    keys = ("rows", "records", "ingest", "raw", "raw_r", "forwarding")
    times: dict[str, list[float]] = {k: [] for k in keys}
    for run in range(RUNS):
        times["raw"].append(_raw(folder / f"raw{run}.sqlite", prebuilt))
        write = _each(as_rows, lambda s, b: s.write(b))
        times["rows"].append(_timed(folder / f"rows{run}.sqlite", write))
        fwd = folder / f"fwd{run}.sqlite"
        times["forwarding"].append(_timed(fwd, write, forwarding=True))
        times["raw_r"].append(_raw(folder / f"rawr{run}.sqlite", batches))
        write = _each(batches, lambda s, b: s.write(b))
        times["records"].append(_timed(folder / f"rec{run}.sqlite", write))
        ingest = _each(batches, lambda s, b: Ingestor(s, plant, clock=_clock).ingest(b))
        times["ingest"].append(_timed(folder / f"ing{run}.sqlite", ingest))
    n = len(records)
    rate = {k: n / statistics.median(v) for k, v in times.items()}
    print(
        f"sqlite writer, {n:,} records, batches of {BATCH:,}, synchronous=FULL, median of {RUNS}:"
    )
    for key, label in (
        ("raw", "baseline raw executemany (ON CONFLICT DO NOTHING), prebuilt rows"),
        ("rows", "pabrik SqliteStore.write, samples as rows (MQTT fast path)"),
        ("forwarding", "the same on a forwarding plant (forward indexes made)"),
        ("raw_r", "baseline raw executemany, rows built from the records"),
        ("records", "pabrik SqliteStore.write, records in"),
        ("ingest", "pabrik ingest (validate + idempotent write), records in"),
    ):
        print(f"  {label}: {rate[key]:,.0f} rows/s")
    report.ratio("SQLite writer, rows in / raw executemany", rate["rows"], rate["raw"], 0.85)
    cost = 1 - rate["forwarding"] / rate["rows"]
    print(f"  the forward indexes cost a forwarding plant {cost:.0%} of the writer's rate")
    report.ratio(
        "SQLite writer, records in / raw from records", rate["records"], rate["raw_r"], 0.85
    )
    report.ratio(
        "SQLite ingest (validate+write) / raw from records", rate["ingest"], rate["raw_r"], 0.85
    )


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
        _writer_figures(list(records), runtime.plant, folder)

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
