"""The runtime: one object that owns the store, the pipeline and the plant queries."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta

from pabrik.model.errors import NotFoundError
from pabrik.runtime import kpiqueries
from pabrik.runtime.connectors import ConnectorSupervisor, IngestSink, build_connectors
from pabrik.runtime.ingest import Clock, Ingestor, utc_now
from pabrik.runtime.settings import Settings
from pabrik.runtime.simulation import Progress, SimulationRunner
from pabrik.runtime.siteconfig import SiteConfig, load_site
from pabrik.runtime.storeadmin import open_store
from pabrik.runtime.views import (
    DeadLetterView,
    MachineDetail,
    OeeView,
    PlantOverview,
)
from pabrik.storage.store import Store

log = logging.getLogger(__name__)


class Runtime:
    """Wires the site configuration, the store, ingest and the simulator together."""

    def __init__(self, settings: Settings, site: SiteConfig, store: Store, *, clock: Clock) -> None:
        self.settings = settings
        self.site = site
        self.plant = site.plant()
        self.store = store
        self.clock = clock
        self.ingestor = Ingestor(store, self.plant, clock=clock)
        sim = site.simulator()
        if sim is not None and settings.seed is not None:
            sim = sim.model_copy(update={"seed": settings.seed})
        self.simulation = SimulationRunner(self.plant, sim, self.ingestor) if sim else None
        self.supervisor = ConnectorSupervisor(
            build_connectors(site.connectors, self.plant), IngestSink(self.ingestor)
        )
        self._live_task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    def now(self) -> datetime:
        """The runtime's clock."""
        return self.clock()

    def start_simulation(self, days: float) -> None:
        """Open the simulator at its stored anchor, or ``days`` before now on first run."""
        if self.simulation is None:
            return
        anchor = (self.now() - timedelta(days=days)).replace(second=0, microsecond=0)
        self.simulation.start(anchor)

    def backfill(self, days: float = 7, progress: Progress | None = None) -> int:
        """Bring the simulated history up to now; return records written."""
        if self.simulation is None:
            return 0
        if self.simulation.position is None:
            self.start_simulation(days)
        return self.simulation.backfill(self.now(), progress)

    async def start(self) -> None:
        """Run the connectors, and the simulated plant live, in the background."""
        await self.supervisor.start()
        if self.simulation is None or self._live_task is not None:
            return
        if self.simulation.position is None:
            self.start_simulation(0)
        self._stopping = asyncio.Event()
        self._live_task = asyncio.create_task(self._live(), name="pabrik-live")

    async def _live(self) -> None:
        assert self.simulation is not None
        stopping = self._stopping
        while not stopping.is_set():
            try:
                await asyncio.to_thread(self.simulation.advance_to, self.now())
            except Exception:
                # The live loop must outlive one bad step; the next tick retries it.
                log.exception("live simulation step failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), self.settings.live_interval_s)

    async def stop(self) -> None:
        """Stop the connectors and the live loop after their current step."""
        await self.supervisor.stop()
        task, self._live_task = self._live_task, None
        if task is not None:
            # Let the step in its worker thread finish, so close() never races a write.
            self._stopping.set()
            await task

    def overview(self, now: datetime | None = None) -> PlantOverview:
        """The plant overview at ``now``."""
        return kpiqueries.overview(self, now or self.now())

    def machine_detail(
        self, machine_id: str, window: str = "shift", now: datetime | None = None
    ) -> MachineDetail:
        """A machine page for a window: shift, day or 7d."""
        if self.plant.machine(machine_id) is None:
            raise NotFoundError(f"machine '{machine_id}' not found", machine_id=machine_id)
        return kpiqueries.machine_detail(self, machine_id, window, now or self.now())

    def oee(self, scope: str, start: datetime, end: datetime) -> OeeView:
        """OEE of a machine, a line or the plant over [start, end)."""
        return kpiqueries.oee(self, scope, start, end)

    def dead_letters(self, limit: int = 100, offset: int = 0) -> list[DeadLetterView]:
        """Rejected records, newest first."""
        return [
            DeadLetterView(d.id or 0, d.source, d.received_at, d.reason_code, d.detail, d.payload)
            for d in self.store.dead_letters(limit, offset)
        ]

    def dead_letter_count(self) -> int:
        """How many rejected records are kept."""
        return self.store.dead_letter_count()

    def close(self) -> None:
        """Flush and release the store."""
        self.ingestor.flush()
        self.store.close()


def build_runtime(settings: Settings, *, clock: Clock = utc_now) -> Runtime:
    """Load the site, open and upgrade the store, and wire the runtime."""
    site = load_site(settings.config)
    store = open_store(settings)
    store.upgrade()
    return Runtime(settings, site, store, clock=clock)
