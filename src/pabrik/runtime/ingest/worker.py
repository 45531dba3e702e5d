"""The ingest worker: a stateless process that runs the site's connectors into the store.

N workers share one MQTT subscription (``$share/<group>/...``): the broker hands each
message to one of them, and a worker acknowledges a QoS 1 message only after the batch that
holds it has committed. Each worker needs its own stable client id (``--worker-id``): the
broker keys the persistent session by it, so a restarted worker picks up the messages its
previous life received but never acknowledged, and two workers with one id would throw each
other off the broker.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import signal
import socket
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pabrik.connectors.contract import ConnectionState, Connector, InputRejection
from pabrik.connectors.mqtt.config import BrokerConfig, MqttConfig
from pabrik.connectors.simulator.config import SimulatorConfig
from pabrik.model.errors import ConfigError, ConfigIssue, InvalidRequestError, StoreUnavailableError
from pabrik.model.records import Record
from pabrik.runtime.alarms.detection import attach as attach_detection
from pabrik.runtime.alarms.wiring import TICK_S as ALARM_TICK_S
from pabrik.runtime.alarms.wiring import AlarmHook, build_alarms, tick_once
from pabrik.runtime.health.ops import StoreGate
from pabrik.runtime.health.storeadmin import open_store
from pabrik.runtime.ingest.connectors import ConnectorSupervisor, IngestSink, build_connectors
from pabrik.runtime.ingest.pipeline import Ingestor, utc_now
from pabrik.runtime.plant.configstore import SiteConfigs, adopt_site, placeholder_site
from pabrik.runtime.plant.siteconfig import SiteConfig, load_site
from pabrik.runtime.settings import Settings

log = logging.getLogger(__name__)

DEFAULT_SHARE_GROUP = "pabrik"
WORKER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_WATCH_S = 0.2


@dataclass(frozen=True, slots=True)
class WorkerOptions:
    """Who this worker is among its peers, and which connectors it runs."""

    worker_id: str
    share_group: str | None = None
    """Overrides the share group of every MQTT connector; None keeps the file's or 'pabrik'."""
    connector_ids: tuple[str, ...] = ()
    """Connectors to run; empty runs every one except the simulator."""
    status_interval_s: float = 60.0


def default_worker_id() -> str:
    """The host name, made safe for a client id; stable across restarts of one host's worker."""
    name = re.sub(r"[^A-Za-z0-9_.-]", "-", socket.gethostname())[:64].strip("-.")
    return name or "worker"


def check_options(options: WorkerOptions) -> None:
    """Refuse worker ids and share groups the broker would reject or misread."""
    if not WORKER_ID.fullmatch(options.worker_id):
        raise InvalidRequestError(
            f"worker id {options.worker_id[:80]!r}: use 1-64 letters, digits, '.', '_' or '-'",
            worker_id=options.worker_id[:80],
        )
    group = options.share_group
    if group is not None and not re.fullmatch(r"[^/+#\s]{1,64}", group):
        raise InvalidRequestError(
            f"share group {group[:80]!r} must not be empty or contain '/', '+', '#' or spaces",
            share_group=group[:80],
        )


def worker_client_id(broker: BrokerConfig, connector_id: str, worker_id: str) -> str:
    """The configured client id (or pabrik-<connector>) with the worker id appended."""
    base = broker.client_id or f"pabrik-{connector_id}"
    return f"{base}-{worker_id}"[:128]


def for_worker(config: Any, options: WorkerOptions) -> Any:
    """A connector config with this worker's client id, and a share group for plain MQTT."""
    update: dict[str, Any] = {}
    broker = getattr(config, "broker", None)
    if isinstance(broker, BrokerConfig):
        client_id = worker_client_id(broker, config.id, options.worker_id)
        update["broker"] = broker.model_copy(update={"client_id": client_id})
    if isinstance(config, MqttConfig):
        update["share_group"] = options.share_group or config.share_group or DEFAULT_SHARE_GROUP
    return config.model_copy(update=update)


def worker_configs(site: SiteConfig, options: WorkerOptions) -> list[Any]:
    """The connector configs this worker runs, adjusted for it; unknown ids are an error."""
    known = {c.id for c in site.connectors if not isinstance(c, SimulatorConfig)}
    unknown = sorted(set(options.connector_ids) - known)
    if unknown:
        raise InvalidRequestError(
            f"no connector {', '.join(unknown)} in the site file (have: {', '.join(sorted(known))})"
        )
    wanted = set(options.connector_ids) or known
    return [for_worker(c, options) for c in site.connectors if c.id in wanted]


class CommitSink(IngestSink):
    """Commit each batch in one transaction, or forget it and raise.

    The connector acknowledges only what ``submit`` returned from; a failed batch is dropped
    here rather than kept for the next flush, because the broker delivers it again.
    """

    def __init__(self, ingestor: Ingestor) -> None:
        super().__init__(ingestor)
        self._lock = threading.Lock()

    def submit(self, records: Sequence[Record], rejections: Sequence[InputRejection] = ()) -> None:
        """Validate, write and commit one batch; raise when it did not commit."""
        with self._lock:
            try:
                for r in rejections:
                    self.ingestor.reject_input(
                        r.source, r.reason_code, r.detail, r.payload, dict(r.context) or None
                    )
                self.ingestor.ingest(records)
            except BaseException:
                self.ingestor.discard()
                raise


class IngestWorker:
    """Waits for the store, runs connectors into it, and stops cleanly on SIGTERM or SIGINT."""

    def __init__(self, settings: Settings, site: SiteConfig | None, options: WorkerOptions) -> None:
        check_options(options)
        self.settings = settings
        self.options = options
        self._file_site = site
        self.site = site if site is not None else placeholder_site()
        self.plant = self.site.plant()
        self.configs = worker_configs(self.site, options) if site is not None else []
        self.store = open_store(settings)
        self.gate = StoreGate(self.store, settings.database_label())
        self.versions = SiteConfigs(self.store, utc_now)
        self.config_version = 0
        self._failed_version = 0
        self.ingestor = Ingestor(self.store, self.plant)
        self._arm_alarms()
        self.connectors: list[Connector] = build_connectors(self.configs, self.plant)
        self._stop = asyncio.Event()
        self._states: dict[str, tuple[ConnectionState, int] | None] = {}

    def _arm_alarms(self) -> None:
        # Alarms are evaluated here, on the batches this worker commits (docs/alarms.md).
        self.alarms = build_alarms(self.site, self.plant, self.store, utc_now)
        self.ingestor.after_commit = AlarmHook(self.alarms)
        self.detection = attach_detection(self.ingestor, self.alarms, self.site.alarms)

    def _adopt(self) -> None:
        """Once the store answers: run its configuration (importing the file on first start)."""
        site, version = adopt_site(self.versions, self._file_site, str(self.settings.config))
        if site is None:
            raise ConfigError("<store>", [ConfigIssue("", "no configuration stored or given")])
        self.config_version = version
        if site != self.site:
            self.site, self.plant = site, site.plant()
            self.configs = worker_configs(site, self.options)
            self.ingestor.replan(self.plant)
            self._arm_alarms()
            self.connectors = build_connectors(self.configs, self.plant)

    async def _follow(self, supervisor: ConnectorSupervisor) -> None:
        """Run a version saved since the last look: connectors, validation and alarms follow."""
        head = await asyncio.to_thread(self.versions.head)
        if head in (0, self.config_version, self._failed_version):
            return
        current = await asyncio.to_thread(self.versions.current)
        if current is None:
            return
        site, plant = current.site, current.site.plant()
        try:
            configs = worker_configs(site, self.options)
        except InvalidRequestError:
            self._failed_version = current.meta.version  # said once; a newer version retries
            raise
        changed = plant != self.plant
        if changed or site.alarms != self.site.alarms:
            self.ingestor.replan(plant)
            self.site, self.plant = site, plant
            self._arm_alarms()
        self.site, self.configs = site, configs
        report = await supervisor.reconcile(configs, plant, plant_changed=changed)
        self.connectors = supervisor.connectors
        self.config_version = current.meta.version
        log.info(
            "worker %s: configuration v%d: started %s, stopped %s, reconfigured %s",
            self.options.worker_id,
            current.meta.version,
            list(report.started),
            list(report.stopped),
            list(report.reconfigured),
        )

    def request_stop(self) -> None:
        """Begin a clean shutdown (from a signal handler or a test)."""
        log.info("worker %s: stopping: finishing the batch in hand", self.options.worker_id)
        self.gate.stop()
        self._stop.set()

    def run(self) -> None:
        """Run until asked to stop; raise ``StoreUnavailableError`` if the store never came."""
        asyncio.run(self._main())

    async def _main(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.request_stop)
        await self.serve()

    async def serve(self) -> None:
        """Wait for the store, run the connectors until ``request_stop``, then close the store."""
        try:
            self._announce()
            if await self._wait_for_store():
                await self._serve()
        finally:
            self.store.close()
            log.info("worker %s: stopped", self.options.worker_id)

    def _announce(self) -> None:
        log.info(
            "worker %s starting: database %s, %d connector(s)",
            self.options.worker_id,
            self.settings.database_label(),
            len(self.connectors),
        )
        for config in self.configs:
            log.info("worker %s: %s", self.options.worker_id, describe_config(config, self.plant))
        if not self.connectors:
            log.warning("worker %s: the site file has no connector to run", self.options.worker_id)

    async def _wait_for_store(self) -> bool:
        """Block until the store is ready; False when stopped first, raise when it never came."""
        wait_s = self.settings.db_wait_s or None
        ready = await asyncio.to_thread(self.gate.wait, wait_s)
        if ready:
            log.info("worker %s: database ready", self.options.worker_id)
            return True
        if self._stop.is_set():
            return False
        raise StoreUnavailableError(
            f"{self.gate.label}: {self.gate.reason} (gave up after {self.gate.attempts} attempts)",
            url=self.gate.label,
        )

    async def _serve(self) -> None:
        await asyncio.to_thread(self._adopt)
        supervisor = ConnectorSupervisor(self.connectors, CommitSink(self.ingestor))
        self._states = {c.id: None for c in self.connectors}
        await supervisor.start()
        ticks = max(1, round(self.options.status_interval_s / _WATCH_S))
        alarm_ticks = max(1, round(ALARM_TICK_S / _WATCH_S))
        config_ticks = max(1, round(self.settings.config_poll_s / _WATCH_S))
        tick = 0
        while not self._stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), _WATCH_S)
            self._watch_connections()
            tick += 1
            if tick % ticks == 0:
                self._log_status()
            if tick % alarm_ticks == 0:
                await asyncio.to_thread(tick_once, self.alarms)
            if tick % config_ticks == 0:
                try:
                    await self._follow(supervisor)
                except Exception:
                    # A version this worker cannot run (a connector it was told to run is gone)
                    # leaves the running set as it was; the log says why.
                    log.exception(
                        "worker %s: new configuration not applied", self.options.worker_id
                    )
        await supervisor.stop()
        self._log_status()

    def _watch_connections(self) -> None:
        """Log each connector's state and reconnect count when they change."""
        for c in self.connectors:
            # The reconnect count catches a drop and recovery that fall between two polls.
            now = (c.state, c.metrics.reconnects)
            before = self._states.get(c.id)
            if now == before:
                continue
            if _is_retry(before, now[0]):
                continue
            self._states[c.id] = now
            self._log_connection(c, *now)

    def _log_connection(self, c: Connector, state: ConnectionState, reconnects: int) -> None:
        what = state.value
        if state is ConnectionState.CONNECTED:
            details = c.diagnostics()["details"]
            if "client_id" in details:
                what += f": subscribed as {details['client_id']} to {details.get('filters')}"
            what += f" (reconnects: {reconnects})" if reconnects else ""
        elif state is ConnectionState.DISCONNECTED:
            what += ": reconnecting with backoff"
        level = logging.INFO if state is not ConnectionState.DISCONNECTED else logging.WARNING
        log.log(level, "worker %s: connector %s %s", self.options.worker_id, c.id, what)

    def _log_status(self) -> None:
        m = self.ingestor.metrics
        log.info(
            "worker %s: %d received, %d written, %d duplicate, %d rejected, %d batches",
            self.options.worker_id,
            m.received,
            m.accepted,
            m.duplicates,
            m.rejected,
            m.batches,
        )


def _is_retry(before: tuple[ConnectionState, int] | None, now: ConnectionState) -> bool:
    """A new attempt while down: the "disconnected" line already said it keeps trying."""
    down = before is not None and before[0] is ConnectionState.DISCONNECTED
    return down and now is ConnectionState.CONNECTING


def describe_config(config: Any, plant: Any) -> str:
    """One line on a connector: kind, broker, client id and filters; never credentials."""
    text = f"connector {config.id} ({config.kind})"
    broker = getattr(config, "broker", None)
    if isinstance(broker, BrokerConfig):
        tls = " tls" if broker.tls is not None else ""
        text += f" broker {broker.host}:{broker.port}{tls} client id {broker.client_id}"
    if isinstance(config, MqttConfig):
        text += f" filters {', '.join(config.filters(plant.site.id))} qos {config.qos}"
    return text


def run_worker(settings: Settings, options: WorkerOptions) -> None:
    """Load the site file and run one ingest worker until SIGTERM or SIGINT."""
    site = load_site(settings.config) if settings.config is not None else None
    IngestWorker(settings, site, options).run()
