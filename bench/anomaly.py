"""Streaming anomaly detectors: points per second per core, and memory per signal.

Each detector scores then learns a synthetic signal (a daily cycle of 288 points with noise,
a spike now and then), one point at a time as ingest would; the default detector also reads
white noise, its worst case (every context new, so its context tables fill and thin often).
The rate is points over the CPU time of this one process (one core). Memory is what
``tracemalloc`` sees one detector hold after the stream, and the size of its saved state.
"""

from __future__ import annotations

import math
import os
import random
import time
import tracemalloc
from datetime import datetime
from pathlib import Path

from pabrik.alarms.definitions import AlarmSettings
from pabrik.anomaly.multivariate import MachineDetector
from pabrik.anomaly.registry import DEFAULT, DETECTORS
from pabrik.model.batch import RecordBatch, SampleRow
from pabrik.model.records import StateRecord
from pabrik.runtime.alarms.detection import Detection
from pabrik.runtime.plant.siteconfig import load_site

DEMO = Path(__file__).resolve().parent.parent / "examples" / "demo-plant.yaml"

POINTS = int(os.environ.get("PABRIK_BENCH_ANOMALY_POINTS", "200000"))
TARGET = 50_000  # points/s per core for the default detector (issue 14)
START, STEP = 1_700_006_400.0, 300.0  # a UTC midnight; 5-minute samples feed the daily profile


def _signal(n: int, seed: int = 11) -> list[float]:
    rng = random.Random(seed)
    values = []
    for i in range(n):
        value = 70 + 8 * math.sin(2 * math.pi * i / 288) + rng.gauss(0, 0.8)
        if rng.random() < 0.0005:
            value += rng.choice((-1, 1)) * 30
        values.append(value)
    return values


def _rate(step: object, values: list[float]) -> float:
    """Points per CPU second, each with its instant (5-minute samples), as the corpus has."""
    assert callable(step)
    stamps = [START + STEP * i for i in range(len(values))]
    began = time.process_time()
    for v, t in zip(values, stamps, strict=True):
        step(v, t)
    return len(values) / (time.process_time() - began)


def _memory(kind: str, values: list[float]) -> tuple[int, int]:
    """Bytes one detector holds after the stream, and the bytes of its saved state."""
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    det = DETECTORS[kind]()
    for i, v in enumerate(values):
        det.process_one(v, START + STEP * i)
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    return held, len(det.to_bytes())


def main() -> None:
    """Print each detector's rate and memory."""
    values = _signal(POINTS)
    print(f"anomaly detectors: {POINTS:,} points, one process")
    for kind in sorted(DETECTORS):
        rate = _rate(DETECTORS[kind]().process_one, values)
        held, saved = _memory(kind, values[: min(POINTS, 50_000)])
        mark = ""
        if kind == DEFAULT:
            mark = "  (default; target >= 50,000: " + ("met)" if rate >= TARGET else "MISSED)")
        print(
            f"  {kind:<9} {rate:>10,.0f} points/s per core, "
            f"{held / 1024:,.0f} KiB held, state {saved / 1024:,.0f} KiB{mark}"
        )
    rng = random.Random(12)
    noise = [rng.gauss(0, 1) for _ in range(POINTS)]
    rate = _rate(DETECTORS[DEFAULT]().process_one, noise)
    print(f"  {DEFAULT:<9} {rate:>10,.0f} points/s per core on white noise (worst case)")
    machine = MachineDetector([f"s{i}" for i in range(8)])
    rows = [{f"s{i}": v + i for i in range(8)} for v in values[: POINTS // 8]]
    began = time.process_time()
    for row in rows:
        machine.process_one(row)
    rate = len(rows) * 8 / (time.process_time() - began)
    print(f"  machine   {rate:>10,.0f} signal points/s per core (8 signals, default each)")
    rate = _ingest_rate(values[: POINTS // 2])
    print(f"  on ingest {rate:>10,.0f} samples/s per core (batches of 1,000, state saved each)")


class _NoStore:
    """A store with no checkpoints and no states: the detectors start afresh."""

    def checkpoint(self, name: str) -> str | None:
        return None

    def states(self, machine_id: str, start: datetime, end: datetime) -> list[StateRecord]:
        return []


def _ingest_rate(values: list[float]) -> float:
    """Samples per second through the ingest detection stage (one machine, default detector)."""
    plant = load_site(DEMO).plant()
    settings = AlarmSettings.model_validate(
        {
            "definitions": [
                {
                    "id": "a",
                    "scope": {"machine": "imm-01", "signal": "vibration"},
                    "condition": {"kind": "anomaly", "threshold": 0.95},
                    "message": {"id": "a", "en": "a"},
                }
            ]
        }
    )
    detection = Detection(settings, plant, _NoStore())
    rows: list[SampleRow] = [
        ("imm-01", "vibration", 1_700_000_000_000 + i * 1000, "b", v, "good")
        for i, v in enumerate(values)
    ]
    began = time.process_time()
    for i in range(0, len(rows), 1000):
        detection.prepare(RecordBatch([], rows[i : i + 1000]))
        detection.take()
    return len(rows) / (time.process_time() - began)


if __name__ == "__main__":
    main()
