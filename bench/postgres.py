"""PostgreSQL writer against raw psycopg binary COPY of the same rows, and OEE query time.

The server comes from PABRIK_BENCH_PG, else PABRIK_TEST_PG, else the local default
``postgresql://postgres@127.0.0.1:5432/postgres``. Each run makes its own uniquely named
databases and drops them. Without a reachable server it prints one skip line.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from bench import report
from pabrik.connectors.simulator.plant import SimulatedPlant
from pabrik.model.records import CountRecord, Record, SampleRecord
from pabrik.runtime.app import build_runtime
from pabrik.runtime.ingest.pipeline import Ingestor
from pabrik.runtime.settings import Settings, redact_url
from pabrik.storage.postgres.store import PostgresStore

CONFIG = Path("examples/demo-plant.yaml")
UNTIL = datetime(2025, 3, 10, 0, 0, tzinfo=UTC)
DAYS = 7
BATCH = 10_000
RUNS = 3


def _server() -> str:
    return (
        os.environ.get("PABRIK_BENCH_PG")
        or os.environ.get("PABRIK_TEST_PG")
        or "postgresql://postgres@127.0.0.1:5432/postgres"
    )


@contextmanager
def _database(admin: str) -> Iterator[str]:
    name = f"pabrik_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield f"{admin.rpartition('/')[0]}/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def _rows(records: list[Record]) -> dict[str, list[tuple[Any, ...]]]:
    out: dict[str, list[tuple[Any, ...]]] = {"states": [], "counts": [], "samples": []}
    for r in records:
        if isinstance(r, SampleRecord):
            out["samples"].append((r.machine_id, r.signal_id, r.ts, r.source, r.value, r.quality))
        elif isinstance(r, CountRecord):
            out["counts"].append(
                (r.machine_id, r.ts, r.source, r.good, r.scrap, r.rework, r.product_id)
            )
        else:
            out["states"].append(
                (r.machine_id, r.ts, r.source, r.state, r.reason, r.product_id, r.order_id)
            )
    return out


_TYPES = {
    "states": ["text", "timestamptz", "text", "text", "text", "text", "text"],
    "counts": ["text", "timestamptz", "text", "int8", "int8", "int8", "text"],
    "samples": ["text", "text", "timestamptz", "text", "float8", "text"],
}


def _raw_copy(url: str, records: list[Record]) -> float:
    """Seconds for plain binary COPY (write_row) of the same records into the same tables.

    Like the writer, it starts from the records in memory, so turning them into row tuples
    is timed on both sides.
    """
    with psycopg.connect(url) as conn:
        conn.execute("SET TIME ZONE 'UTC'")
        began = time.perf_counter()
        rows = _rows(records)
        for table, table_rows in rows.items():
            for i in range(0, len(table_rows), BATCH):
                with conn.transaction(), conn.cursor() as cur:
                    query = sql.SQL("COPY {} FROM STDIN (FORMAT BINARY)").format(
                        sql.Identifier(table)
                    )
                    with cur.copy(query) as copy:
                        copy.set_types(_TYPES[table])
                        for row in table_rows[i : i + BATCH]:
                            copy.write_row(row)
        return time.perf_counter() - began


def _fresh_store(url: str) -> PostgresStore:
    store = PostgresStore(url, pool_size=2)
    store.upgrade()
    store.write(list(_warm_up()))  # make the months' partitions outside the timing
    with psycopg.connect(url, autocommit=True) as conn:
        for t in ("states", "counts", "samples"):
            conn.execute(sql.SQL("TRUNCATE {}").format(sql.Identifier(t)))
    return store


def _warm_up() -> Iterator[Record]:
    day = UNTIL - timedelta(days=DAYS + 1)
    while day <= UNTIL:
        yield SampleRecord("warm", "m", "s", day, 0.0)
        day += timedelta(days=1)


def _timed_writes(store: PostgresStore, records: list[Record]) -> float:
    began = time.perf_counter()
    for i in range(0, len(records), BATCH):
        store.write(records[i : i + BATCH])
    return time.perf_counter() - began


def _writer_figures(admin: str, records: list[Record], ingestor_of: Any) -> None:
    """Median of RUNS of: pabrik writer, ingest (validate + write), raw COPY; same rows."""
    writer, ingest, raw = [], [], []
    for _ in range(RUNS):
        with _database(admin) as url:
            store = _fresh_store(url)
            writer.append(_timed_writes(store, records))
            store.close()
        with _database(admin) as url:
            store = _fresh_store(url)
            ingestor: Ingestor = ingestor_of(store)
            began = time.perf_counter()
            for i in range(0, len(records), BATCH):
                ingestor.ingest(records[i : i + BATCH])
            ingest.append(time.perf_counter() - began)
            store.close()
        with _database(admin) as url:
            _fresh_store(url).close()
            raw.append(_raw_copy(url, records))
    n = len(records)
    w, g, r = (n / statistics.median(x) for x in (writer, ingest, raw))
    print(f"postgresql writer, {n:,} records in batches of {BATCH:,} (median of {RUNS}):")
    print(f"  pabrik PostgresStore.write (binary COPY, merge on replay): {w:,.0f} rows/s")
    print(f"  pabrik ingest (validate + write): {g:,.0f} records/s")
    print(f"  baseline raw psycopg binary COPY of the same records, same tables: {r:,.0f} rows/s")
    print(f"  ingest / raw COPY: {g / r:.2f}")
    report.ratio("PostgreSQL writer / raw binary COPY", w, r, 0.70)


def _summary(times: list[float]) -> str:
    q = statistics.quantiles(times, n=100, method="inclusive")
    return f"p50 {statistics.median(times) * 1000:.1f} ms, p95 {q[94] * 1000:.1f} ms"


def _query_figures(admin: str) -> None:
    with _database(admin) as url:
        settings = Settings(config=CONFIG, database_url=url)
        runtime = build_runtime(settings, clock=lambda: UNTIL)
        began = time.perf_counter()
        written = runtime.backfill(DAYS)
        print(
            f"postgresql backfill {DAYS} days (simulate + validate + write):"
            f" {written:,} records, {written / (time.perf_counter() - began):,.0f} records/s"
        )
        machine_ids = [m.id for m in runtime.plant.machines()]
        shift, plant = [], []
        for i in range(40):
            end = UNTIL - timedelta(hours=8 * i)
            t = time.perf_counter()
            runtime.oee(
                machine_ids[i % len(machine_ids)],
                runtime.window(None, end - timedelta(hours=8), end),
            )
            shift.append(time.perf_counter() - t)
        for _ in range(11):
            t = time.perf_counter()
            runtime.oee("plant", runtime.window(None, UNTIL - timedelta(days=DAYS), UNTIL))
            plant.append(time.perf_counter() - t)
        print("postgresql oee query (the first plant query also builds the KPI rollups):")
        print(f"  one machine, one shift: {_summary(shift)}")
        first = f"first {plant[0] * 1000:.0f} ms"
        print(f"  whole plant, {DAYS} days: {first}, then {_summary(plant[1:])}")
        runtime.close()


def main() -> None:
    """Print the PostgreSQL figures, or one skip line without a server."""
    admin = _server()
    try:
        with psycopg.connect(admin, connect_timeout=3) as conn:
            version = conn.execute("SHOW server_version").fetchone()
    except psycopg.Error as err:
        print(f"postgresql: skipped, no server at {redact_url(admin)} ({type(err).__name__})")
        return
    print(f"postgresql {version[0] if version else '?'} at {redact_url(admin)}")
    # A throwaway SQLite file: ":memory:" would give each connection its own empty database.
    with tempfile.TemporaryDirectory() as tmp:
        plant_runtime = build_runtime(Settings(config=CONFIG, data_dir=Path(tmp) / "pabrik"))
        sim = plant_runtime.site.simulator()
        if sim is None:
            raise SystemExit("the demo plant has no simulator connector")
        plant = plant_runtime.plant
        records = SimulatedPlant(plant, sim, UNTIL - timedelta(days=DAYS)).advance_to(UNTIL)
        plant_runtime.close()
    _writer_figures(admin, list(records), lambda store: Ingestor(store, plant, clock=lambda: UNTIL))
    _query_figures(admin)


if __name__ == "__main__":
    main()
