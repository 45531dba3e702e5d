"""KPI engine at scale: 100 machines x 365 days of minute-resolution states, through rollups.

States change on whole minutes (runs of 5-60 min, stops of 1-20 min, about 3 changes an
hour), counts come every 30 min. Rows go straight into the SQLite tables in bulk; then the
hourly rollups are built once, and the same run measures:

- a shift query (one machine, one finished 8 h shift) and a running-shift query for the
  whole plant (partial last hour from raw), p50/p95 over many shifts;
- a 12-month query for all 100 machines with ragged edges (rollups + raw edges);
- the same 12-month query recomputed from raw records only for every fifth machine (the time
  scaled to the plant, and the ratio of the two), each sampled machine's rollup account
  checked equal to its raw one, downtime by reason included.

The built database is kept for the process, so bench/ingest.py copies it into PostgreSQL
instead of generating and building the year again.
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
import random
import shutil
import sqlite3
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from bench import report
from pabrik.model.equipment import Product
from pabrik.model.fields import Text
from pabrik.model.shifts import Break, Calendar, Shift
from pabrik.model.site import Area, IngestLimits, KpiSettings, Line, Machine, Plant, SiteInfo
from pabrik.runtime.kpi.engine import KpiEngine
from pabrik.storage.sqlite.store import SqliteStore

MACHINES = int(os.environ.get("PABRIK_BENCH_MACHINES", "100"))
DAYS = int(os.environ.get("PABRIK_BENCH_DAYS", "365"))
START = datetime(2024, 1, 1, tzinfo=UTC)
END = START + timedelta(days=DAYS)
NOW = END + timedelta(hours=3, minutes=20)
_INSERT_STATES = (
    "INSERT INTO states (machine_id, ts_ms, source, state, reason, product_id, order_id)"
    " VALUES (?, ?, ?, ?, ?, ?, ?)"
)
_INSERT_COUNTS = (
    "INSERT INTO counts (machine_id, ts_ms, source, good, scrap, rework, product_id)"
    " VALUES (?, ?, ?, ?, ?, ?, ?)"
)
# Processes building the year's rollups (the build is CPU-bound Python, one machine at a time).
BUILDERS = int(os.environ.get("PABRIK_BENCH_BUILDERS", "2"))
# The raw recomputation checks every RAW_EVERY-th machine.
RAW_EVERY = int(os.environ.get("PABRIK_BENCH_RAW_EVERY", "5"))
# The built database of this process (see ``built``).
_BUILT: list[Path] = []
STATES = (("running", 5, 60), ("unplanned_stop", 1, 20), ("idle", 1, 15), ("changeover", 10, 30))


def _plant() -> Plant:
    def machine(i: int) -> Machine:
        return Machine(
            id=f"m{i:03d}",
            name=Text(id=f"Mesin {i}"),
            products=[Product(id="p", name=Text(id="P"), ideal_cycle_time_s=Decimal("2.5"))],
        )

    lines = [
        Line(
            id=f"l{j}", name=Text(id=f"Lini {j}"), machines=[machine(j * 10 + k) for k in range(10)]
        )
        for j in range(MACHINES // 10)
    ]
    shifts = [
        Shift(id="pagi", name=Text(id="Pagi"), start="07:00", end="15:00",  # type: ignore[arg-type]
              breaks=[Break(start="11:30", end="12:00")]),  # type: ignore[arg-type]
        Shift(id="siang", name=Text(id="Siang"), start="15:00", end="23:00"),  # type: ignore[arg-type]
        Shift(id="malam", name=Text(id="Malam"), start="23:00", end="07:00"),  # type: ignore[arg-type]
    ]  # fmt: skip
    return Plant(
        site=SiteInfo(id="bench", name="Bench"),
        areas=[Area(id="a", name=Text(id="A"), lines=lines)],
        calendar=Calendar(timezone="Asia/Jakarta", shifts=shifts),
        limits=IngestLimits(micro_stop_s=120),
        kpi=KpiSettings(count_period_s=1800, minute_rollup_days=1),
    )


def _generate(path: Path, plant: Plant) -> tuple[int, int]:
    """Write states and counts straight into the tables; return the row counts."""
    rng = random.Random(7)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous=OFF")
    start_min = int(START.timestamp() // 60)
    end_min = int(END.timestamp() // 60)
    n_states = n_counts = 0
    for m in plant.machines():
        states = []
        t = start_min
        while t < end_min:
            name, lo, hi = STATES[0] if rng.random() < 0.55 else rng.choice(STATES[1:])
            reason = None if name == "running" else rng.choice(("jam", "breakdown", "material"))
            states.append((m.id, t * 60_000, "bench", name, reason, None, None))
            t += rng.randint(lo, hi)
        counts = [
            (m.id, c * 60_000, "bench", rng.randint(500, 700), rng.randint(0, 12), 0, None)
            for c in range(start_min + 30, end_min + 1, 30)
        ]
        conn.execute("BEGIN")
        conn.executemany(_INSERT_STATES, states)
        conn.executemany(_INSERT_COUNTS, counts)
        conn.execute("COMMIT")
        n_states, n_counts = n_states + len(states), n_counts + len(counts)
    conn.close()
    return n_states, n_counts


def _p(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def _ms(values: list[float]) -> str:
    return f"p50 {statistics.median(values) * 1000:.1f} ms, p95 {_p(values, 95) * 1000:.1f} ms"


def built() -> Path:
    """The generated SQLite database with its rollups built, made once per process.

    The PostgreSQL KPI bench (bench/ingest.py) copies its records and rollup rows, so one
    ``make bench`` builds the year's rollups once.
    """
    if _BUILT:
        return _BUILT[0]
    plant = _plant()
    folder = tempfile.mkdtemp(prefix="pabrik-bench-kpi-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    path = Path(folder) / "kpi.sqlite"
    store = SqliteStore(path, synchronous="NORMAL")
    store.upgrade()
    began = time.perf_counter()
    n_states, n_counts = _generate(path, plant)
    print(f"kpi bench: {len(plant.machines())} machines x {DAYS} days")
    took = time.perf_counter() - began
    print(f"  generated {n_states:,} state and {n_counts:,} count rows in {took:.1f} s")
    # The configuration first, once: two builders resetting it at once would drop rollups.
    KpiEngine(plant, store, lambda: NOW).ensure_rollup_config()
    store.close()
    began = time.perf_counter()
    parts = max(1, min(BUILDERS, os.cpu_count() or 1))
    with multiprocessing.get_context("spawn").Pool(parts) as pool:
        hours = sum(pool.starmap(_build_part, [(str(path), i, parts) for i in range(parts)]))
    took = time.perf_counter() - began
    print(
        f"  rollups built: {hours:,} hours (+ minutes of the last day) in {took:.1f} s"
        f" ({parts} processes, each its share of the machines)"
    )
    _BUILT.append(path)
    return path


def _build_part(path: str, part: int, parts: int) -> int:
    """In a builder process: roll up every ``parts``-th machine from ``part``; the hours saved."""
    plant = _plant()
    store = SqliteStore(Path(path), synchronous="NORMAL")
    engine = KpiEngine(plant, store, lambda: NOW)
    # What ``KpiEngine.build`` does, for this process's machines.
    engine.accounts(plant.machines()[part::parts], START, END)
    store.close()
    return engine.stats.saved_hours


def main() -> None:
    """Print the KPI engine figures."""
    plant = _plant()
    path = built()
    store = SqliteStore(path, synchronous="NORMAL")
    engine = KpiEngine(plant, store, lambda: NOW)

    machines = plant.machines()
    rng = random.Random(3)
    shift_times = []
    for _ in range(200):
        day = rng.randrange(DAYS - 1)
        begin = START + timedelta(days=day, hours=rng.choice((0, 8, 16)))
        t = time.perf_counter()
        engine.account(rng.choice(machines), begin, begin + timedelta(hours=8))
        shift_times.append(time.perf_counter() - t)
    print(f"  shift query, one machine, finished shift: {_ms(shift_times)}")
    live_times = []
    for i in range(20):
        begin = END - timedelta(hours=8 * (i % 3 + 1))
        t = time.perf_counter()
        engine.accounts(machines, begin, begin + timedelta(hours=7, minutes=41), detail=False)
        live_times.append(time.perf_counter() - t)
    print(f"  shift query, whole plant, running shift (raw last hour): {_ms(live_times)}")

    lo, hi = START + timedelta(minutes=17), END - timedelta(minutes=43)
    year_times = []
    for _ in range(5):
        t = time.perf_counter()
        engine.accounts(machines, lo, hi, detail=False)
        year_times.append(time.perf_counter() - t)
    year = statistics.median(year_times)
    print(f"  12-month plant query (rollups + raw edges): {year * 1000:.0f} ms (median of 5)")
    reason_times = []
    for _ in range(3):
        t = time.perf_counter()
        rolled = engine.accounts(machines, lo, hi)
        reason_times.append(time.perf_counter() - t)
    took = statistics.median(reason_times) * 1000
    print(f"  same with downtime by reason for the Pareto: {took:.0f} ms (median of 3)")
    report.limit("SQLite 12-month plant query", year * 1000, 1000)
    report.limit("SQLite 12-month plant query with downtime by reason", took, 1000)

    # Raw recomputation of every RAW_EVERY-th machine: each machine is computed alone, so a
    # sample tells the plant's time (scaled) and checks the rollups in a fifth of the time.
    sample = machines[::RAW_EVERY]
    t = time.perf_counter()
    raw = {m.id: engine.raw_account(m, lo, hi) for m in sample}
    raw_s = time.perf_counter() - t
    whole = raw_s * len(machines) / len(sample)
    print(
        f"  12-month query recomputed from raw, {len(sample)} of {len(machines)} machines:"
        f" {raw_s:.1f} s (whole plant, scaled: {whole:.0f} s)"
    )
    print(f"  ratio raw / rollup path (scaled): {whole / year:.0f}x")
    same = all(
        rolled[m].elements == a.elements
        and rolled[m].extras == a.extras
        and rolled[m].downtime_ms == a.downtime_ms
        for m, a in raw.items()
    )
    print(f"  rollup result equals raw result, with reasons, {len(sample)} machines: {same}")
    report.check("SQLite 12-month rollup result equals raw recomputation", same)
    store.close()


if __name__ == "__main__":
    main()
