"""The ingest worker's batch path offline: decode, validate, detect, write, alarms; CPU per stage.

Run with ``python -m bench.worker [--batch 2000] [--seconds 10] [--data DIR] [--profile FILE]
[--store postgres]``.

Method: the dashboard bench's site (``bench/web.py``: the demo plant copied to about
``--machines`` machines, an MQTT connector, one day of history and rollups) is prepared once in
``--data`` and copied for each run, so every run starts from the same store and checkpoints.
A ``pabrik ingest`` worker object is built on the copy as the command builds it (alarms and
anomaly detection attached by the worker itself), but no connector runs: batches of
``--batch`` JSON messages like the bench publisher's (3 sensor points each, machine after
machine, about 160 Hz per signal, instants rising from a minute ago) are decoded by the MQTT
connector's handler and submitted to the worker's commit sink, as its batch thread does.
Batches are built outside the timed part; the first one (loading every detector) is untimed.
Printed: points/s of CPU time over all, and the share of each stage: decode and validation,
anomaly detection before the commit, the write and commit, the alarms after it.
``--profile FILE`` records the timed part with py-spy (raw, for ``python -m bench.flame FILE``).

``--store postgres`` runs the worker on a PostgreSQL database instead (bench/postgres.py's
server): the history is prepared once into a template database kept on the server
(``pabrik_worker_prepared_<machines>``; ``--fresh`` makes it again) and each run works on a
copy. PostgreSQL's CPU is spent in its own backends, so the stages are also given in wall
time, and points/s of wall time is the figure to compare there; when the server has
pg_stat_statements loaded, its heaviest statements over the timed part are printed too.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from bench import postgres as pgbench
from bench.web import SOURCE, _prepare, _site
from pabrik.connectors.mqtt.client import Inbound
from pabrik.connectors.mqtt.connector import MqttConnector
from pabrik.model.records import Record
from pabrik.runtime.ingest.pipeline import Ingestor, utc_now
from pabrik.runtime.ingest.worker import CommitSink, IngestWorker, WorkerOptions
from pabrik.runtime.plant.siteconfig import load_site
from pabrik.runtime.settings import Settings

HZ = 160.0
"""Messages per machine per second: 105 machines x 3 points x 160 Hz is about 50,000 points/s."""
STAGES = ("decode + validate", "detection (before commit)", "write + commit", "alarms (after)")


def _zeros() -> dict[str, float]:
    return dict.fromkeys((*STAGES, "submit"), 0.0)


@dataclass
class Clocks:
    """CPU and wall seconds per stage, summed over the batches."""

    spent: dict[str, float] = field(default_factory=_zeros)
    wall: dict[str, float] = field(default_factory=_zeros)

    def timed(self, stage: str, call: Callable[..., Any]) -> Callable[..., Any]:
        """``call``, adding its CPU and wall time to ``stage``."""

        def run(*args: Any, **kwargs: Any) -> Any:
            t0, w0 = time.process_time(), time.perf_counter()
            try:
                return call(*args, **kwargs)
            finally:
                self.spent[stage] += time.process_time() - t0
                self.wall[stage] += time.perf_counter() - w0

        return run

    def reset(self) -> None:
        """Forget what the untimed batches spent."""
        self.spent, self.wall = _zeros(), _zeros()


class _TimedStage:
    """The worker's commit stage (detection), timed."""

    def __init__(self, stage: Any, clocks: Clocks) -> None:
        self.prepare = clocks.timed(STAGES[1], stage.prepare)
        self.abort = stage.abort


class _TimedStore:
    """The worker's store, with its write timed; everything else passed through."""

    def __init__(self, store: Any, clocks: Clocks) -> None:
        self._store = store
        self.write = clocks.timed(STAGES[2], store.write)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


def instrument(ingestor: Ingestor, clocks: Clocks) -> None:
    """Time the stages the worker wired on its ingestor, without changing what they do."""
    if ingestor.stage is not None:
        ingestor.stage = _TimedStage(ingestor.stage, clocks)
    ingestor.store = _TimedStore(ingestor.store, clocks)
    if ingestor.after_commit is not None:
        ingestor.after_commit = clocks.timed(STAGES[3], ingestor.after_commit)


def batches(targets: list[dict[str, Any]], size: int, start_ms: int) -> Iterator[list[Inbound]]:
    """Batches of ``size`` messages: every machine in turn, each round ``1/HZ`` s later."""
    rng = random.Random(7)
    bodies = [
        [
            ",".join(f'"{s}":{rng.uniform(1, 50):.2f}' for s in t["signals"]).encode() + b"}"
            for _ in range(16)
        ]
        for t in targets
    ]
    k = 0
    while True:
        batch = []
        for _ in range(size):
            i, n = k % len(targets), k // len(targets)
            ts = start_ms + int(n * 1000 / HZ)
            body = b'{"ts":%d,' % ts + bodies[i][n % 16]
            batch.append(Inbound(targets[i]["topic"], body, 0, 0, 0))
            k += 1
        yield batch


@dataclass(frozen=True)
class Options:
    """What one run asks for."""

    batch: int = 2000
    seconds: float = 10.0
    machines: int = 100
    data: Path | None = None
    profile: Path | None = None
    store: str = "sqlite"
    fresh: bool = False


def _store_copy(prepared: Path, into: Path) -> None:
    """A copy of the prepared database (with its WAL), so each run starts from the same state."""
    into.mkdir(parents=True, exist_ok=True)
    for name in os.listdir(prepared):
        if name.startswith("pabrik.sqlite"):
            shutil.copy2(prepared / name, into / name)


def _spy(out: Path) -> subprocess.Popen[bytes]:
    spy = Path(sys.executable).with_name("py-spy")
    args = [str(spy), "record", "-r", "100", "-f", "raw", "-o", str(out), "--pid", str(os.getpid())]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)  # py-spy attaches before the timed part
    return proc


def _pg_prepared(site_path: Path, data: Path, machines: int, fresh: bool) -> str:
    """The name of the template database holding the prepared history, made when missing."""
    admin, name = pgbench._server(), f"pabrik_worker_prepared_{machines}"
    with psycopg.connect(admin, autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if found and fresh:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
        if found and not fresh:
            return name
    # Prepared under a run's name and renamed when done, so a broken preparation is not kept.
    with pgbench._database(admin) as url:
        _prepare(Settings(config=site_path, data_dir=data, database_url=url))
        with psycopg.connect(admin, autocommit=True) as conn:
            made = sql.Identifier(url.rpartition("/")[2])
            conn.execute(
                sql.SQL("ALTER DATABASE {} RENAME TO {}").format(made, sql.Identifier(name))
            )
            conn.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(made, sql.Identifier(name))
            )
    return name


@contextmanager
def _pg_copy(template: str) -> Iterator[str]:
    """A fresh database copied from the template, dropped afterwards; its URL."""
    admin = pgbench._server()
    with pgbench._database(admin) as url:
        made = sql.Identifier(url.rpartition("/")[2])
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE {}").format(made))
            conn.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(made, sql.Identifier(template))
            )
        yield url


def run(opts: Options) -> dict[str, float]:
    """Feed batches for about ``opts.seconds`` of CPU; print and return the figures."""
    with tempfile.TemporaryDirectory(prefix="pabrik-bench-worker-") as tmp:
        folder = Path(tmp)
        site_path, targets = _site(folder, opts.machines, 1883)
        prepared = opts.data or folder / "prepared"
        data = folder / "run"
        began = time.monotonic()
        if opts.store == "postgres":
            template = _pg_prepared(site_path, prepared, opts.machines, opts.fresh)
            print(f"worker bench: store ready in {time.monotonic() - began:.0f} s")
            with _pg_copy(template) as url:
                settings = Settings(config=site_path, data_dir=data, database_url=url)
                return _run_worker(settings, site_path, targets, opts)
        _prepare(Settings(config=site_path, data_dir=prepared))
        print(f"worker bench: store ready in {time.monotonic() - began:.0f} s")
        _store_copy(prepared, data)
        return _run_worker(Settings(config=site_path, data_dir=data), site_path, targets, opts)


def _run_worker(
    settings: Settings, site_path: Path, targets: list[dict[str, Any]], opts: Options
) -> dict[str, float]:
    worker = IngestWorker(
        settings, load_site(site_path), WorkerOptions("bench", connector_ids=(SOURCE,))
    )
    statements = _Statements(settings.database_url) if settings.database_url else None
    try:
        return _feed(worker, targets, opts, statements)
    finally:
        worker.store.close()


_TOP = """
SELECT calls, total_exec_time, rows, shared_blks_hit + shared_blks_read, query
FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
WHERE d.datname = %s ORDER BY total_exec_time DESC LIMIT 15
"""


class _Statements:
    """pg_stat_statements of the run's database, when the server has it loaded."""

    def __init__(self, url: str) -> None:
        self.admin, self.db = pgbench._server(), url.rpartition("/")[2]
        with psycopg.connect(self.admin, autocommit=True) as conn:
            has = conn.execute(
                "SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements'"
            ).fetchone()
        self.on = has is not None

    def reset(self) -> None:
        """Start counting now."""
        if self.on:
            with psycopg.connect(self.admin, autocommit=True) as conn:
                conn.execute("SELECT pg_stat_statements_reset()")

    def show(self, n_batches: int) -> None:
        """The heaviest statements since the reset, per batch."""
        if not self.on:
            print("  (no pg_stat_statements on the server: statements not shown)")
            return
        with psycopg.connect(self.admin, autocommit=True) as conn:
            rows = conn.execute(_TOP, (self.db,)).fetchall()
        print("  PostgreSQL statements (server time a batch, calls a batch, rows a call, blocks):")
        for calls, total, n_rows, blocks, query in rows:
            text = " ".join(str(query).split())[:110]
            print(
                f"  {total / n_batches:8.1f} ms {calls / n_batches:7.1f} x"
                f" {n_rows / max(calls, 1):9.1f} rows {blocks / max(calls, 1):9.1f} blk  {text}"
            )


def _feed(
    worker: IngestWorker,
    targets: list[dict[str, Any]],
    opts: Options,
    statements: _Statements | None = None,
) -> dict[str, float]:
    (connector,) = worker.connectors
    assert isinstance(connector, MqttConnector)
    handler = connector.session.handler
    sink = CommitSink(worker.ingestor)
    clocks = Clocks()
    instrument(worker.ingestor, clocks)
    decode = clocks.timed(STAGES[0], handler.decode)
    submit = clocks.timed("submit", sink.submit)
    start_ms = int(time.time() * 1000) - 60_000
    feed = batches(targets, opts.batch, start_ms)
    # One batch first, untimed: it loads every detector and alarm, as a worker does once.
    warm = handler.decode(next(feed), utc_now())
    sink.submit(warm.batch(), warm.rejections)
    clocks.reset()
    if statements is not None:
        statements.reset()
    spy = _spy(opts.profile) if opts.profile is not None else None
    points = n_batches = 0
    cpu0, wall0 = time.process_time(), time.perf_counter()
    try:
        for batch in feed:
            decoded = decode(batch, utc_now())
            records: Sequence[Record] = decoded.batch()
            submit(records, decoded.rejections)
            points += len(decoded.rows) + len(decoded.records)
            n_batches += 1
            if time.process_time() - cpu0 >= opts.seconds:
                break
    finally:
        if spy is not None:
            spy.send_signal(signal.SIGINT)  # py-spy writes its file on an interrupt
            spy.wait(timeout=60)
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    spent, walled = clocks.spent, clocks.wall
    # Validation is what submit spent outside the three stages it calls.
    for times in (spent, walled):
        times[STAGES[0]] += times.pop("submit") - sum(times[s] for s in STAGES[1:])
    m = worker.ingestor.metrics  # the warm-up batch included
    print(
        f"worker bench: {n_batches} batches of {opts.batch:,} messages ({points / n_batches:,.0f}"
        f" points), {points:,} points in {cpu:.1f} s of CPU: {points / cpu:,.0f} points/s;"
        f" {wall:.1f} s of wall time: {points / wall:,.0f} points/s"
    )
    print(f"  stored {m.accepted:,}, duplicates {m.duplicates:,}, rejected {m.rejected:,}")
    print(f"  {'stage':28} {'CPU':>6}  {'CPU a batch':>13}  {'wall a batch':>13}")
    for stage in STAGES:
        share, per = spent[stage] / cpu, spent[stage] / n_batches * 1000
        per_wall = walled[stage] / n_batches * 1000
        print(f"  {stage:28} {share:6.1%}  {per:10.1f} ms  {per_wall:10.1f} ms")
    other = cpu - sum(spent[s] for s in STAGES)
    print(f"  {'other':28} {other / cpu:6.1%}")
    if statements is not None:
        statements.show(n_batches)
    return {
        "points_per_s": points / cpu,
        "points_per_wall_s": points / wall,
        **{s: spent[s] / cpu for s in STAGES},
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=2000, help="messages a batch (3 points each)")
    parser.add_argument("--seconds", type=float, default=10, help="CPU seconds to feed for")
    parser.add_argument("--machines", type=int, default=100)
    parser.add_argument("--data", type=Path, help="keep the prepared store in this folder")
    parser.add_argument("--profile", type=Path, help="record the timed part with py-spy (raw)")
    parser.add_argument("--store", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--fresh", action="store_true", help="prepare the PostgreSQL template anew")
    a = parser.parse_args()
    run(Options(a.batch, a.seconds, a.machines, a.data, a.profile, a.store, a.fresh))
