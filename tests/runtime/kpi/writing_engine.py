"""A KPI engine whose raw reads let records land in the store meanwhile (a live stream)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from pabrik.kpi.account import TimeAccount
from pabrik.model.records import Record
from pabrik.model.site import Machine, Plant
from pabrik.runtime.kpi.engine import KpiEngine
from pabrik.storage.store import Store


class WritingEngine(KpiEngine):
    """Before each raw read, the next record of ``landing`` is written to the store."""

    def __init__(
        self, plant: Plant, store: Store, clock: Callable[[], datetime], landing: list[Record]
    ) -> None:
        super().__init__(plant, store, clock)
        self.landing = landing

    def raw(self, machine: Machine, buckets: Sequence[tuple[int, int]]) -> list[TimeAccount]:
        """Write one landing record, then read raw as usual."""
        if self.landing:
            self.store.write([self.landing.pop(0)])
        return super().raw(machine, buckets)
