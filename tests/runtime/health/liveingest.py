"""A thread that writes numbered batches through the real ingest pipeline, and logs when."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from pabrik.model.records import Record, SampleRecord
from pabrik.model.site import Plant
from pabrik.model.states import Quality
from pabrik.runtime.ingest.pipeline import Ingestor
from pabrik.storage.store import Store

NOW = datetime(2025, 3, 10, 2, 0, tzinfo=UTC)
BASE = NOW - timedelta(days=1)
PER_BATCH = 20


@dataclass
class Batch:
    """One committed batch: its number and the wall-clock span of its write."""

    index: int
    started: datetime
    done: datetime


@dataclass
class LiveIngest:
    """Writes batch after batch (samples plus one dead letter) until told to stop."""

    store: Store
    plant: Plant
    log: list[Batch] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    @property
    def pair(self) -> tuple[str, str]:
        machine = self.plant.machines()[0]
        return machine.id, machine.signals[0].id

    def batch(self, i: int) -> list[Record]:
        machine, signal = self.pair
        records: list[Record] = [
            SampleRecord(
                "live",
                machine,
                signal,
                BASE + timedelta(seconds=i * PER_BATCH + j),
                float(i),
                Quality.GOOD,
            )
            for j in range(PER_BATCH)
        ]
        ghost = SampleRecord("live", machine, "ghost", BASE + timedelta(seconds=i), 0.0)
        return [*records, ghost]

    def _run(self) -> None:
        ingestor = Ingestor(self.store, self.plant, clock=lambda: NOW)
        i = 0
        while not self._stop.is_set():
            started = datetime.now(UTC)
            ingestor.ingest(self.batch(i))
            self.log.append(Batch(i, started, datetime.now(UTC)))
            i += 1

    def start(self, *, warm: int = 5) -> None:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        self.wait_for(warm)

    def wait_for(self, batches: int) -> None:
        deadline = time.monotonic() + 30
        while len(self.log) < batches and time.monotonic() < deadline:
            time.sleep(0.005)
        assert len(self.log) >= batches

    def stop(self) -> None:
        self._stop.set()
        assert self._thread is not None
        self._thread.join(30)
