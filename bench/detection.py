"""Anomaly detection on ingest at the dashboard bench's rates: CPU per batch, per sample or period.

The bench site (the demo scaled to 105 machines) has its ``anomali-mesin`` alarm: one
multivariate detector per machine over vibration, temperature and pressure. Each batch holds
2,000 messages of one machine's three signals, 160 readings per second per machine, machine
after machine (about 6,000 points, 0.12 s of data), as the MQTT connector hands them to the
worker. The detection stage (``Detection.prepare``: score, learn, encode the checkpoints) runs
on each batch; the store write is not timed. Two settings run in turns in this one process:
``period_s`` 0.001 (each reading its own period: what every sample cost before periods, with
every detector saved each batch) and the default 1 s. Detectors start from a trained state, so
neither pays for probation. The rate is points over the CPU time of this process.
``--as-site`` times only the site's own setting: run on code older than periods, it gives the
figure of that code (every sample scored and learnt, every detector saved each batch).

    PYTHONPATH=. .venv/bin/python -m bench.detection [--batches 40] [--rounds 3] [--as-site]
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from bench.soak import scaled_site
from pabrik.alarms.definitions import AlarmSettings
from pabrik.anomaly.multivariate import MachineDetector
from pabrik.model.batch import RecordBatch, SampleRow
from pabrik.model.records import StateRecord
from pabrik.runtime.alarms.detection import Detection
from pabrik.runtime.plant.siteconfig import load_site

MESSAGES = 2_000  # a batch, as the MQTT connector's default batch_size
HZ = 160  # readings per second per machine, as the dashboard bench at 50,000 points/s
SIGNALS = ("vibration", "temperature", "pressure")
LEVELS = {"vibration": 2.0, "temperature": 60.0, "pressure": 120.0}
START_MS = 1_764_806_400_000  # 2025-12-04 00:00 UTC
TRAIN = 3_000  # readings each detector has learnt before it is timed


class _Trained:
    """A store whose every detector checkpoint is one trained machine detector."""

    def __init__(self, saved: str) -> None:
        self.saved = saved

    def checkpoint(self, name: str) -> str | None:
        return None if name.endswith(":open") else self.saved

    def states(self, machine_id: str, start: datetime, end: datetime) -> list[StateRecord]:
        return []


def _trained() -> str:
    """A machine detector's saved state after ``TRAIN`` one-second readings."""
    rng = random.Random(3)
    det = MachineDetector(list(SIGNALS))
    for i in range(TRAIN):
        load = rng.random()
        reading = {s: LEVELS[s] * (1 + 0.2 * load) + rng.gauss(0, 0.05) for s in SIGNALS}
        det.process_one(reading, (START_MS - (TRAIN - i) * 1000) / 1000.0)
    return json.dumps({"last_ms": START_MS - 1000, "detector": det.to_dict()})


def _settings(site: Path, period_s: float | None) -> AlarmSettings:
    data: dict[str, Any] = load_site(site).alarms.model_dump(mode="json")
    for d in data["definitions"]:
        if d["condition"]["kind"] == "anomaly" and period_s is not None:
            d["condition"]["period_s"] = period_s
    return AlarmSettings.model_validate(data)


class Feed:
    """Batches of the bench's messages, in time order, for one detection stage."""

    def __init__(self, machines: list[str], seed: int) -> None:
        self.machines = machines
        self.rng = random.Random(seed)
        self.k = 0  # messages sent so far

    def batch(self) -> RecordBatch:
        """The next ``MESSAGES`` messages as sample rows."""
        rows: list[SampleRow] = []
        n, rng = len(self.machines), self.rng
        for k in range(self.k, self.k + MESSAGES):
            tick, m = divmod(k, n)
            ts = START_MS + tick * 1000 // HZ
            load = rng.random()
            for s in SIGNALS:
                value = LEVELS[s] * (1 + 0.2 * load) + rng.gauss(0, 0.05)
                rows.append((self.machines[m], s, ts, "bench", value, "good"))
        self.k += MESSAGES
        return RecordBatch([], rows)


def _run(detection: Detection, feed: Feed, batches: int) -> tuple[int, float, int]:
    """Points, CPU seconds and checkpoint bytes for ``batches`` batches."""
    data = [feed.batch() for _ in range(batches)]
    points = sum(len(b.rows) for b in data)
    saved = 0
    began = time.process_time()
    for b in data:
        saves = detection.prepare(b)
        detection.take()
        saved += sum(len(v) for v in saves.values())
    return points, time.process_time() - began, saved


def main(batches: int = 40, rounds: int = 3, as_site: bool = False) -> None:
    """Time both settings in turns and print points/s and the ratio."""
    with tempfile.TemporaryDirectory(prefix="pabrik-bench-detection-") as folder:
        site = scaled_site(15, Path(folder))
        plant = load_site(site).plant()
        backend = _Trained(_trained())
        modes: dict[str, float | None] = {"per sample": 0.001, "period 1 s": 1.0}
        if as_site:
            modes = {"as the site": None}
        stages = {name: Detection(_settings(site, p), plant, backend) for name, p in modes.items()}
    machines = sorted(next(iter(stages.values())).watches)
    feeds = {name: Feed(machines, seed=5) for name in modes}
    print(
        f"detection on ingest: {len(machines)} machines x {len(SIGNALS)} signals at {HZ} Hz,"
        f" batches of {MESSAGES:,} messages ({MESSAGES * len(SIGNALS):,} points),"
        f" {batches} batches a turn, {rounds} rounds"
    )
    rates: dict[str, list[float]] = {name: [] for name in modes}
    for r in range(rounds):
        for name in modes:
            points, cpu, saved = _run(stages[name], feeds[name], batches)
            rates[name].append(points / cpu)
            print(
                f"  round {r + 1} {name:<10} {points / cpu:>10,.0f} points/s per core,"
                f" {cpu / batches * 1000:7.1f} ms CPU a batch,"
                f" checkpoints {saved / batches / 1024:8.1f} KiB a batch"
            )
    for r in range(rounds if not as_site else 0):
        ratio = rates["period 1 s"][r] / rates["per sample"][r]
        print(f"  round {r + 1}: period 1 s / per sample = {ratio:.1f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--as-site", action="store_true", help="only the site's own setting")
    args = parser.parse_args()
    main(args.batches, args.rounds, args.as_site)
