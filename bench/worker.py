"""The ingest worker's batch path offline: decode, validate, detect, write, alarms; CPU per stage.

Run with ``python -m bench.worker [--batch 2000] [--seconds 10] [--data DIR] [--profile FILE]``.

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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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


@dataclass
class Clocks:
    """CPU seconds per stage, summed over the batches."""

    spent: dict[str, float] = field(default_factory=lambda: dict.fromkeys((*STAGES, "submit"), 0.0))

    def timed(self, stage: str, call: Callable[..., Any]) -> Callable[..., Any]:
        """``call``, adding its CPU time to ``stage``."""

        def run(*args: Any, **kwargs: Any) -> Any:
            t0 = time.process_time()
            try:
                return call(*args, **kwargs)
            finally:
                self.spent[stage] += time.process_time() - t0

        return run


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


def run(opts: Options) -> dict[str, float]:
    """Feed batches for about ``opts.seconds`` of CPU; print and return the figures."""
    with tempfile.TemporaryDirectory(prefix="pabrik-bench-worker-") as tmp:
        folder = Path(tmp)
        site_path, targets = _site(folder, opts.machines, 1883)
        prepared = opts.data or folder / "prepared"
        began = time.monotonic()
        _prepare(Settings(config=site_path, data_dir=prepared))
        print(f"worker bench: store ready in {time.monotonic() - began:.0f} s")
        data = folder / "run"
        _store_copy(prepared, data)
        settings = Settings(config=site_path, data_dir=data)
        worker = IngestWorker(
            settings, load_site(site_path), WorkerOptions("bench", connector_ids=(SOURCE,))
        )
        try:
            return _feed(worker, targets, opts)
        finally:
            worker.store.close()


def _feed(worker: IngestWorker, targets: list[dict[str, Any]], opts: Options) -> dict[str, float]:
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
    clocks.spent = dict.fromkeys(clocks.spent, 0.0)
    spy = _spy(opts.profile) if opts.profile is not None else None
    points = n_batches = 0
    cpu0 = time.process_time()
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
    cpu = time.process_time() - cpu0
    spent = clocks.spent
    # Validation is what submit spent outside the three stages it calls.
    inner = sum(spent[s] for s in STAGES[1:])
    spent[STAGES[0]] += spent.pop("submit") - inner
    m = worker.ingestor.metrics  # the warm-up batch included
    print(
        f"worker bench: {n_batches} batches of {opts.batch:,} messages ({points / n_batches:,.0f}"
        f" points), {points:,} points in {cpu:.1f} s of CPU: {points / cpu:,.0f} points/s"
    )
    print(f"  stored {m.accepted:,}, duplicates {m.duplicates:,}, rejected {m.rejected:,}")
    for stage in STAGES:
        share = spent[stage] / cpu
        print(f"  {stage:28} {share:6.1%}  {spent[stage] / n_batches * 1000:8.1f} ms a batch")
    other = cpu - sum(spent[s] for s in STAGES)
    print(f"  {'other':28} {other / cpu:6.1%}")
    return {"points_per_s": points / cpu, **{s: spent[s] / cpu for s in STAGES}}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=2000, help="messages a batch (3 points each)")
    parser.add_argument("--seconds", type=float, default=10, help="CPU seconds to feed for")
    parser.add_argument("--machines", type=int, default=100)
    parser.add_argument("--data", type=Path, help="keep the prepared store in this folder")
    parser.add_argument("--profile", type=Path, help="record the timed part with py-spy (raw)")
    a = parser.parse_args()
    run(Options(a.batch, a.seconds, a.machines, a.data, a.profile))
