"""Machine page: sensor series averaged in the store against the former Python average.

Method: one demo machine gets ``--hours`` of samples ending at NOW, at ``--rate`` points/s
shared by its sensor signals (bench/web.py's 5,000 points/s over 100 machines is 50 points/s a
machine; like bench/web.py, no energy meter), written straight into a fresh SQLite file, or
with ``--postgres`` copied into a database of its own on bench/postgres.py's server. The same
process then times ``machine_detail`` for the day and shift windows, each way, alternating:
the shipped path (``sample_buckets``, GROUP BY in SQL) and the former one, kept here only as
the baseline (every raw sample read as a SampleRecord and averaged in Python). Each run checks
that both give the same series, and prints median and range per path, and the ratio.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from bench import postgres as pgbench
from bench import report
from pabrik.model.calendar import Interval
from pabrik.model.records import SampleRecord, from_epoch_ms, to_epoch_ms
from pabrik.model.site import Machine, Plant
from pabrik.model.windows import named_window
from pabrik.runtime.kpi.engine import KpiEngine
from pabrik.runtime.plant import queries
from pabrik.runtime.plant.siteconfig import load_site
from pabrik.runtime.plant.views import MachineDetail, SeriesPoint
from pabrik.storage.postgres.store import PostgresStore
from pabrik.storage.sqlite.store import SqliteStore
from pabrik.storage.store import Store

DEMO = Path(__file__).resolve().parent.parent / "examples" / "demo-plant.yaml"
NOW = datetime(2026, 3, 4, 9, 30, tzinfo=UTC)
Points = list[SeriesPoint]
Series = Callable[[Store, str, str, Interval], Points]


def python_series(
    store: Store, machine_id: str, signal_id: str, window: Interval
) -> list[SeriesPoint]:
    """The former path: every raw sample as a record, averaged per slice in Python."""
    samples = store.samples(machine_id, signal_id, window.start, window.end)
    if len(samples) <= queries.MAX_POINTS:
        return [SeriesPoint(s.ts, s.value) for s in samples]
    step = window.duration / queries.MAX_POINTS
    buckets: dict[int, list[float]] = {}
    for s in samples:
        buckets.setdefault(int((s.ts - window.start) / step), []).append(s.value)
    return [
        SeriesPoint(window.start + step * k, sum(v) / len(v)) for k, v in sorted(buckets.items())
    ]


def _machine(plant: Plant) -> Machine:
    return max(plant.machines(), key=lambda m: len(m.signals))


def _fill(path: Path, machine: Machine, hours: float, rate: float) -> int:
    """Write the machine's samples with executemany; return how many rows."""
    rng = random.Random(16)
    # bench/web.py publishes no energy meter (the KPI engine reads that one raw, apart).
    signals = [s.id for s in machine.signals if s.id != machine.energy_signal]
    per_signal_ms = 1000.0 * len(signals) / rate
    end_ms = to_epoch_ms(NOW)
    start_ms = end_ms - int(hours * 3_600_000)
    conn = sqlite3.connect(path)
    total = 0
    with conn:
        for sig in signals:
            n = int((end_ms - start_ms) / per_signal_ms)
            rows = (
                (machine.id, sig, start_ms + int(i * per_signal_ms), "bench", rng.uniform(1, 50))
                for i in range(n)
            )
            conn.executemany(
                "INSERT INTO samples (machine_id, signal_id, ts_ms, source, value, quality)"
                " VALUES (?, ?, ?, ?, ?, 'good')",
                rows,
            )
            total += n
    conn.close()
    return total


def _copy_to_postgres(sqlite_path: Path, store: PostgresStore, machine: Machine) -> None:
    conn = sqlite3.connect(sqlite_path)
    batch: list[SampleRecord] = []
    q = "SELECT signal_id, ts_ms, value FROM samples WHERE machine_id = ? ORDER BY ts_ms"
    for sig, ts_ms, value in conn.execute(q, (machine.id,)):
        batch.append(SampleRecord("bench", machine.id, sig, from_epoch_ms(ts_ms), value))
        if len(batch) >= 50_000:
            store.write(batch)
            batch = []
    store.write(batch)
    conn.close()


def _time(
    engine: KpiEngine, machine: Machine, window: str, series: Series
) -> tuple[float, MachineDetail]:
    queries.signal_series = series  # type: ignore[assignment]
    t0 = time.perf_counter()
    detail = queries.machine_detail(engine, machine.id, window, NOW)
    return (time.perf_counter() - t0) * 1000, detail


def _same(a: Sequence[SeriesPoint], b: Sequence[SeriesPoint]) -> bool:
    return len(a) == len(b) and all(
        x.ts == y.ts and abs(x.value - y.value) <= 1e-9 * max(1.0, abs(y.value))
        for x, y in zip(a, b, strict=True)
    )


def _in_window(engine: KpiEngine, machine: Machine, window: str) -> int:
    win = named_window(engine.plant.calendar, window, NOW)
    return sum(
        b.count
        for s in machine.signals
        for b in engine.store.sample_buckets(machine.id, s.id, win.start, win.measured_end, 1)
    )


def _compare(engine: KpiEngine, machine: Machine, window: str, repeats: int) -> None:
    shipped = queries.signal_series
    old: list[float] = []
    new: list[float] = []
    try:
        for _ in range(repeats):
            t_old, d_old = _time(engine, machine, window, python_series)
            t_new, d_new = _time(engine, machine, window, shipped)
            old.append(t_old)
            new.append(t_new)
            same = all(
                _same(a.points, b.points) for a, b in zip(d_new.signals, d_old.signals, strict=True)
            )
            if not same:
                raise AssertionError(f"{window}: store series differ from the Python series")
    finally:
        queries.signal_series = shipped
    points = sum(len(s.points) for s in d_new.signals)
    print(
        f"  {window:5} window: former path median {statistics.median(old):,.0f} ms"
        f" (range {min(old):,.0f}-{max(old):,.0f}); store buckets median"
        f" {statistics.median(new):,.0f} ms (range {min(new):,.0f}-{max(new):,.0f});"
        f" {points} points from {_in_window(engine, machine, window):,} samples, equal series"
    )
    report.ratio(
        f"machine page ({window}) former / store-bucket time",
        statistics.median(old),
        statistics.median(new),
        1.0,
    )


def main(hours: float = 24, rate: float = 50, repeats: int = 3, postgres: bool = False) -> None:
    """Fill one machine's samples, then time machine_detail each way for day and shift."""
    plant = load_site(DEMO).plant()
    machine = _machine(plant)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.sqlite"
        store: Store = SqliteStore(path)
        store.upgrade()
        t0 = time.perf_counter()
        rows = _fill(path, machine, hours, rate)
        print(
            f"machine page: {machine.id}, {rows:,} sensor samples over"
            f" {hours:g} h at {rate:g} points/s ({time.perf_counter() - t0:.1f} s to fill)"
        )
        if not postgres:
            _measure(plant, machine, store, repeats)
            return
        store.close()
        with pgbench._database(pgbench._server()) as url:
            pg = PostgresStore(url, pool_size=2)
            pg.upgrade()
            _copy_to_postgres(path, pg, machine)
            print("  store: PostgreSQL")
            _measure(plant, machine, pg, repeats)


def _measure(plant: Plant, machine: Machine, store: Store, repeats: int) -> None:
    engine = KpiEngine(plant, store, lambda: NOW)
    engine.ensure_rollup_config()
    for window in ("day", "shift"):
        _compare(engine, machine, window, repeats)
    store.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=24)
    parser.add_argument("--rate", type=float, default=50, help="points/s for the machine")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--postgres", action="store_true", help="measure on PostgreSQL")
    args = parser.parse_args()
    main(args.hours, args.rate, args.repeats, args.postgres)
    report.summary()
