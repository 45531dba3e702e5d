"""The runtime: one object that owns the store, the pipeline and the plant queries."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

from pabrik.model.site import Plant
from pabrik.model.windows import Window
from pabrik.runtime.alarms.detection import attach as attach_detection
from pabrik.runtime.alarms.wiring import AlarmHook, build_alarms, tick_forever
from pabrik.runtime.federation.forward_service import Forwarding, beside_serve
from pabrik.runtime.federation.sharing_outbox import send_forever
from pabrik.runtime.health.ops import StoreGate, wait_or_fail
from pabrik.runtime.health.storeadmin import open_store
from pabrik.runtime.ingest.connectors import (
    ConnectorStatus,
    ConnectorSupervisor,
    IngestSink,
    ReloadReport,
    build_connectors,
)
from pabrik.runtime.ingest.csvimport import CsvOptions, ImportReport, import_csv
from pabrik.runtime.ingest.csvimport import Progress as CsvProgress
from pabrik.runtime.ingest.pipeline import Clock, Ingestor, utc_now
from pabrik.runtime.ingest.replay import Replayer, ReplayReport
from pabrik.runtime.ingest.simulation import Progress, SimulationRunner
from pabrik.runtime.kpi.ahead import RollupsAhead
from pabrik.runtime.kpi.engine import KpiEngine
from pabrik.runtime.kpi.measure import window_of
from pabrik.runtime.kpi.summary import scope_oee
from pabrik.runtime.kpi.views import OeeView
from pabrik.runtime.plant import queries as kpiqueries
from pabrik.runtime.plant.configstore import SiteConfigs, adopt_site, placeholder_site
from pabrik.runtime.plant.follow import ConfigFollower
from pabrik.runtime.plant.reused_views import PageViews
from pabrik.runtime.plant.siteconfig import SiteConfig, load_site
from pabrik.runtime.plant.views import DeadLetterView, MachineDetail, PlantOverview
from pabrik.runtime.settings import Settings
from pabrik.storage.store import Store

log = logging.getLogger(__name__)


class Runtime:
    """Wires the site configuration, the store, ingest and the simulator together."""

    def __init__(
        self,
        settings: Settings,
        site: SiteConfig | None,
        store: Store,
        *,
        clock: Clock,
        version: int = 0,
        connectors: bool = True,
    ) -> None:
        self.settings = settings
        self.runs_connectors = connectors
        """False when ``pabrik ingest`` workers run the site's connectors (the simulator stays)."""
        self.store = store
        self.clock = clock
        self.configured = site is not None
        """False until a site is configured (the first-run wizard's cue); a placeholder runs."""
        self.config_version = version
        """The stored configuration version running now (0: not from the store)."""
        self.configs = SiteConfigs(store, clock)
        self._file_site = site
        self.import_file = False
        """Whether start-up stores the file as a version (serve, demo), not only reads it."""
        self.follower = ConfigFollower(
            self.configs, self.apply_config, lambda: self.config_version, settings.config_poll_s
        )
        self._config_task: asyncio.Task[None] | None = None
        self.gate = StoreGate(store, settings.database_label())
        self._gate_task: asyncio.Task[None] | None = None
        self._alarm_stop = asyncio.Event()
        self._alarm_task: asyncio.Task[None] | None = None
        # Shares and revokes waiting in the programme outbox are retried beside ingest.
        self._share_stop = asyncio.Event()
        self._share_task: asyncio.Task[None] | None = None
        # With PABRIK_FORWARD_URL the store is forwarded to the central beside ingest.
        self._forwarding: Forwarding | None = None
        self._live_task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self.ahead = RollupsAhead(lambda: self.engine)  # off until serve sets its days
        self._wire(site if site is not None else placeholder_site())

    def _wire(self, site: SiteConfig) -> None:
        """Build what depends on the configuration (before start, or to run another site)."""
        settings, store, clock = self.settings, self.store, self.clock
        self.site = site
        self.plant = site.plant()
        self.ingestor = Ingestor(store, self.plant, clock=clock)
        self.engine = KpiEngine(
            self.plant, store, clock, reuse_s=settings.view_cache_s, version=self._writes
        )
        self.alarms = build_alarms(site, self.plant, store, clock, self.engine)
        self.ingestor.after_commit = AlarmHook(self.alarms)
        self.detection = attach_detection(self.ingestor, self.alarms, site.alarms)
        self.views = PageViews(self.engine, self.now, self._writes, settings.view_cache_s)
        sim = site.simulator()
        if sim is not None and settings.seed is not None:
            sim = type(sim).model_validate({**sim.model_dump(), "seed": settings.seed})
        self.simulation = SimulationRunner(self.plant, sim, self.ingestor) if sim else None
        self.supervisor = ConnectorSupervisor(
            build_connectors(site.connectors if self.runs_connectors else [], self.plant),
            IngestSink(self.ingestor),
            clock=clock,
        )

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

    def build_rollups(self, days: float) -> int:
        """Roll up the last ``days`` of KPI elements now, so the first page loads fast."""
        now = self.now()
        return self.engine.build(now - timedelta(days=days), now)

    async def start(self) -> None:
        """Run the connectors, and the simulated plant live, once the store is ready."""
        if self.gate.ready:
            await self._start_ingest()
        elif self._gate_task is None:
            # Serve /readyz (not ready, with the reason) while the database comes up.
            self._gate_task = asyncio.create_task(self._open_then_start(), name="pabrik-gate")

    async def _open_then_start(self) -> None:
        if await asyncio.to_thread(self.gate.wait):
            await asyncio.to_thread(self.adopt_stored_config)
            await self._start_ingest()

    def adopt_stored_config(self) -> None:
        """Before start: import the file on first start, else run the stored version."""
        source = str(self.settings.config)
        site, version = adopt_site(
            self.configs, self._file_site, source, store_file=self.import_file
        )
        if site is not None and version != self.config_version:
            if site != self.site:
                self._wire(site)
            self.configured, self.config_version = True, version

    async def _start_ingest(self) -> None:
        await self.supervisor.start()
        if self._config_task is None:
            self._config_task = asyncio.create_task(self.follower.run(), name="pabrik-config")
        if self._alarm_task is None:
            self._alarm_stop = asyncio.Event()
            alarms = tick_forever(self.alarms, self._alarm_stop)
            self._alarm_task = asyncio.create_task(alarms, name="pabrik-alarms")
        if self._share_task is None:
            sharing = send_forever(self.store, self.clock, self._share_stop)
            self._share_task = asyncio.create_task(sharing, name="pabrik-sharing")
        if self._forwarding is None:
            self._forwarding = beside_serve(self.settings, self.store, self._disk_alarm)
            if self._forwarding is not None:
                self._forwarding.start()
        self.ahead.start()
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
        gate_task, self._gate_task = self._gate_task, None
        if gate_task is not None:
            self.gate.stop()
            await gate_task
        config_task, self._config_task = self._config_task, None
        if config_task is not None:
            config_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await config_task
        await self.supervisor.stop()
        await self.ahead.stop()
        await self._stop_alarms()
        share_task, self._share_task = self._share_task, None
        if share_task is not None:
            self._share_stop.set()
            await share_task
            self._share_stop = asyncio.Event()
        forwarding, self._forwarding = self._forwarding, None
        if forwarding is not None:
            await asyncio.to_thread(forwarding.stop)
        task, self._live_task = self._live_task, None
        if task is not None:
            # Let the step in its worker thread finish, so close() never races a write.
            self._stopping.set()
            await task

    def _disk_alarm(self, percent: float) -> None:
        """The forwarded store's disk use, for the alarms of the site running now."""
        self.alarms.observe_disk(percent)

    async def _stop_alarms(self) -> None:
        alarm_task, self._alarm_task = self._alarm_task, None
        if alarm_task is not None:
            self._alarm_stop.set()
            await alarm_task

    def connector_states(self) -> list[ConnectorStatus]:
        """Each connector's running state (starting, running, stopped, error) and last error."""
        return self.supervisor.statuses()

    def save_config(
        self, site: SiteConfig, user: str, note: str = "", *, base: int | None = None
    ) -> int:
        """Save a new configuration version and have this process run it soon (thread-safe)."""
        version = self.configs.save(site, user, note, base=base)
        self.request_reload()
        return version

    def restore_config(self, n: int, user: str, note: str = "") -> int:
        """Make version ``n`` current again (as a new version) and run it soon."""
        version = self.configs.restore(n, user, note)
        self.request_reload()
        return version

    def request_reload(self) -> None:
        """Wake the config follower now instead of at its next poll (from any thread)."""
        self.follower.wake()

    async def reload_config(self) -> ReloadReport | None:
        """Run the newest stored version if it is not running yet; None when nothing changed."""
        return await self.follower.reload()

    async def apply_config(self, site: SiteConfig, version: int) -> ReloadReport:
        """Switch to a configuration without a restart: validation, KPIs, alarms, connectors."""
        plant = site.plant()
        plant_changed = plant != self.plant
        if plant_changed or site.alarms != self.site.alarms:
            await self._replan(site, plant)
        self.site, self.configured = site, True
        report = await self.supervisor.reconcile(
            site.connectors if self.runs_connectors else [], plant, plant_changed=plant_changed
        )
        # Last, so a caller that sees the new number also sees the new connectors.
        self.config_version = version
        log.info(
            "configuration v%d running: started %s, stopped %s, reconfigured %s",
            version,
            list(report.started),
            list(report.stopped),
            list(report.reconfigured),
        )
        return report

    async def _replan(self, site: SiteConfig, plant: Plant) -> None:
        self.plant = plant
        self.ingestor.replan(plant)
        self.engine = KpiEngine(
            plant, self.store, self.clock, reuse_s=self.settings.view_cache_s, version=self._writes
        )
        self.views = PageViews(self.engine, self.now, self._writes, self.settings.view_cache_s)
        alarms_running = self._alarm_task is not None
        await self._stop_alarms()
        self.alarms = build_alarms(site, plant, self.store, self.clock, self.engine)
        self.ingestor.after_commit = AlarmHook(self.alarms)
        self.detection = attach_detection(self.ingestor, self.alarms, site.alarms)
        if alarms_running:
            self._alarm_stop = asyncio.Event()
            alarms = tick_forever(self.alarms, self._alarm_stop)
            self._alarm_task = asyncio.create_task(alarms, name="pabrik-alarms")

    def overview(self, now: datetime | None = None) -> PlantOverview:
        """The plant overview at ``now``; without ``now``, a recent one may be reused."""
        if now is not None:
            return kpiqueries.overview(self.engine, now)
        return self.views.overview()

    def _writes(self) -> int:
        """Batches and rejections this process has written, for reuse of recent views."""
        return self.ingestor.metrics.batches + self.ingestor.metrics.rejected

    def machine_detail(
        self, machine_id: str, window: str = "shift", now: datetime | None = None
    ) -> MachineDetail:
        """A machine page for a window: shift, day or 7d (NotFoundError for no such machine)."""
        return kpiqueries.machine_detail(self.engine, machine_id, window, now or self.now())

    def window(
        self, name: str | None = None, start: datetime | None = None, end: datetime | None = None
    ) -> Window:
        """A named window at the runtime's now, or a checked custom one."""
        return window_of(self.plant, self.now(), name, start, end)

    def oee(self, scope: str, window: Window) -> OeeView:
        """OEE of a machine, a line, an area or the plant over a window."""
        return scope_oee(self.engine, scope, window)

    def dead_letters(self, limit: int = 100, offset: int = 0) -> list[DeadLetterView]:
        """Rejected records, newest first."""
        return [
            DeadLetterView(d.id or 0, d.source, d.received_at, d.reason_code, d.detail, d.payload)
            for d in self.store.dead_letters(limit, offset)
        ]

    def dead_letter_count(self) -> int:
        """How many rejected records are kept."""
        return self.store.dead_letter_count()

    def replay_dead_letters(
        self,
        ids: Sequence[int] | None = None,
        *,
        reason: str | None = None,
        source: str | None = None,
    ) -> ReplayReport:
        """Decode dead letters again with today's configuration; write and delete what passes."""
        if ids is None:
            ids = self.store.dead_letter_ids(reason, source)
        replayer = Replayer(self.store, self.plant, self.site.connectors, self.clock)
        return replayer.replay(ids)

    def import_csv(
        self, path: Path, options: CsvOptions, progress: CsvProgress | None = None
    ) -> ImportReport:
        """Import a CSV file of history; resumes after the last committed batch."""
        return import_csv(self.ingestor, path, options, progress)

    def close(self) -> None:
        """Flush and release the store."""
        self.ingestor.flush()
        self.store.close()


def build_runtime(
    settings: Settings,
    *,
    clock: Clock = utc_now,
    wait: bool = True,
    import_file: bool = False,
    connectors: bool = True,
) -> Runtime:
    """Load the site, open and upgrade the store, and wire the runtime.

    With ``wait`` the call retries an unreachable database with backoff for up to
    ``settings.db_wait_s``; without it one attempt is made and ``start()`` keeps retrying
    in the background while the web tier reports not ready. The stored configuration runs when
    there is one; ``import_file`` (serve, demo, simulate) stores the site file as a version on
    first start or when it was edited since its last import, else the file is only read.
    Without ``connectors`` the site's connectors are left to ``pabrik ingest`` workers.
    """
    site = load_site(settings.config) if settings.config is not None else None
    runtime = Runtime(settings, site, open_store(settings), clock=clock, connectors=connectors)
    runtime.import_file = import_file
    if wait:
        wait_or_fail(runtime.gate, settings.db_wait_s)
    else:
        runtime.gate.attempt()
    if runtime.gate.ready:
        # The stored version wins over the file; start() does this when the store comes later.
        runtime.adopt_stored_config()
    return runtime
