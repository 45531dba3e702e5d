"""Alarm evaluation of committed batches at the dashboard bench's rates: samples per CPU second.

Run with ``python -m bench.alarms [--batches 40] [--messages 2000] [--span-s 0.12]``.

Method: the bench site of ``bench/web.py`` (the demo plant copied to 105 machines, 632 alarm
points) over a fresh SQLite store, each machine running since ten minutes before the stream.
Batches are built as the ingest worker commits them: ``--messages`` MQTT messages, machine
after machine, three sample rows each (temperature, vibration, pressure; values drawn from 16
fixed bodies per machine as the publisher does), kept as rows in a ``RecordBatch``. A batch
covers ``--span-s`` seconds of stream time (0.12 s: 2,000 messages at 50,000 points/s); a
longer span stretches the stream so that on-delays mature and alarms change. The rate is the
batch's rows over the CPU time of ``AlarmService.observe`` in this one process, for the rows
path (the worker's) and, on a second store, for the same batches handed over as records (the
general path), with the transitions each recorded (they must be equal).
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.soak import scaled_site
from pabrik.model.batch import RecordBatch, SampleRow
from pabrik.model.records import Record, StateRecord
from pabrik.model.site import Plant
from pabrik.model.states import StateClass
from pabrik.runtime.alarms.service import AlarmService
from pabrik.runtime.plant.siteconfig import SiteConfig, load_site
from pabrik.storage.sqlite.store import SqliteStore

START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # a Monday morning shift in Cikarang
SIGNALS = ("temperature", "vibration", "pressure")
SOURCE = "bench-alarms"


def _batches(machines: list[str], count: int, messages: int, span_s: float) -> list[RecordBatch]:
    """``count`` batches of ``messages`` messages, machine after machine, as the worker has."""
    rng = random.Random(7)
    bodies = [[[rng.uniform(1, 50) for _ in SIGNALS] for _ in range(16)] for _ in machines]
    start_ms = int(START.timestamp() * 1000)
    step = span_s * 1000 / messages
    out, k = [], 0
    for _ in range(count):
        rows: list[SampleRow] = []
        for _ in range(messages):
            i = k % len(machines)
            ts = start_ms + int(k * step)
            for signal, value in zip(SIGNALS, bodies[i][k % 16], strict=True):
                rows.append((machines[i], signal, ts, SOURCE, value, "good"))
            k += 1
        out.append(RecordBatch([], rows))
    return out


def _service(site: SiteConfig, plant: Plant, folder: Path) -> tuple[AlarmService, SqliteStore]:
    store = SqliteStore(folder / "alarms.sqlite")
    store.upgrade()
    since = START - timedelta(minutes=10)
    running: list[Record] = [
        StateRecord(SOURCE, m.id, since, StateClass.RUNNING) for m in plant.machines()
    ]
    store.write(running)
    return AlarmService(plant, site.alarms, store, lambda: START), store


def _run(service: AlarmService, batches: list[RecordBatch], *, rows: bool) -> tuple[float, int]:
    """CPU seconds of observe over all batches, and the transitions recorded."""
    spent, transitions = 0.0, 0
    for batch in batches:
        given = batch if rows else list(batch)
        began = time.process_time()
        transitions += service.observe(given)
        spent += time.process_time() - began
    return spent, transitions


def main(batches: int = 40, messages: int = 2000, span_s: float = 0.12) -> None:
    """Print samples per CPU second of alarm evaluation, rows path and records path."""
    with tempfile.TemporaryDirectory(prefix="pabrik-bench-alarms-") as tmp:
        folder = Path(tmp)
        site = load_site(scaled_site(15, folder))
        plant = site.plant()
        machines = [m.id for m in plant.machines()]
        work = _batches(machines, batches, messages, span_s)
        points = sum(len(b) for b in work)
        fast, fast_store = _service(site, plant, folder / "rows")
        general, general_store = _service(site, plant, folder / "records")
        print(
            f"alarm evaluation: {len(machines)} machines, {len(fast.catalogue.points)} alarm"
            f" points, {batches} batches of {messages} messages ({points} sample rows),"
            f" {span_s} s of stream a batch"
        )
        try:
            for label, service, rows in (("rows", fast, True), ("records", general, False)):
                spent, transitions = _run(service, work, rows=rows)
                print(
                    f"  {label:8} {points / spent:>10,.0f} samples/s of CPU"
                    f" ({spent * 1000 / batches:.1f} ms a batch), {transitions} transitions"
                )
        finally:
            fast_store.close()
            general_store.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=40)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--span-s", type=float, default=0.12)
    args = parser.parse_args()
    main(args.batches, args.messages, args.span_s)
