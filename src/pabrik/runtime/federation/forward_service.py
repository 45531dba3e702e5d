"""A plant's forwarder and disk watch, run by ``pabrik forward`` or beside ``pabrik serve``."""

from __future__ import annotations

import logging
import signal
import threading
from datetime import UTC, datetime

from pabrik.alarms.definitions import AlarmSettings
from pabrik.runtime.alarms.service import AlarmService
from pabrik.runtime.federation.forward import Forwarder, ForwardOptions
from pabrik.runtime.federation.forward_client import CentralClient, CentralTarget
from pabrik.runtime.federation.forward_disk import DiskAlarm, DiskWatch, SiteSource
from pabrik.runtime.plant.configstore import SiteConfigs
from pabrik.runtime.plant.siteconfig import parse_site
from pabrik.runtime.settings import Settings
from pabrik.storage.sqlite.store import SqliteStore
from pabrik.storage.store import Store

log = logging.getLogger(__name__)
MEGABYTE = 1024 * 1024
WATCH_EVERY_S = 1.0


def stored_site(configs: SiteConfigs) -> SiteSource:
    """The current stored site version and its text, as the central is sent it."""

    def site() -> tuple[int, str] | None:
        document = configs.current()
        return None if document is None else (document.meta.version, document.text)

    return site


class StoredDiskAlarm:
    """The disk-budget alarm in the plant's store, for a forwarder of its own process.

    ``serve`` lists it with the site's alarms; here only the built-in alarm is evaluated, over
    the plant of the site's current version (no version yet: nothing lists alarms, none raised).
    """

    def __init__(self, configs: SiteConfigs, store: SqliteStore) -> None:
        self.configs, self.store = configs, store
        self._service: tuple[int, AlarmService] | None = None

    def __call__(self, percent: float) -> None:
        """Evaluate the share used, in percent."""
        document = self.configs.current()
        if document is None:
            return
        if self._service is None or self._service[0] != document.meta.version:
            plant = parse_site(document.text, "stored site").plant()
            alarms = AlarmService(plant, AlarmSettings(), self.store, lambda: datetime.now(UTC))
            self._service = (document.meta.version, alarms)
        self._service[1].observe_disk(percent)


class Forwarding:
    """The forwarder and the disk watch on threads of their own until ``stop``."""

    def __init__(
        self,
        store: SqliteStore,
        target: CentralTarget,
        budget_bytes: int | None,
        site: SiteSource,
        alarm: DiskAlarm,
        options: ForwardOptions | None = None,
    ) -> None:
        self.target = target
        # One connection each: the status and the batches never wait for one another.
        self._clients = CentralClient(target), CentralClient(target)
        self.forwarder = Forwarder(store, self._clients[0], options)
        self.watch = DiskWatch(store, self._clients[1], store.path, budget_bytes, site, alarm)
        self.stopping = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        """Start both threads."""
        for name, run in (("forwarder", self.forwarder.run), ("disk-watch", self._watch)):
            thread = threading.Thread(target=run, args=(self.stopping,), name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
        log.warning("forwarding %s to %s", self.watch.path, self.target.url)

    def _watch(self, stop: threading.Event) -> None:
        while not stop.wait(WATCH_EVERY_S):
            try:
                self.watch.check(self.forwarder.pending())
            except Exception:
                # A busy or unreachable store: the forwarder waits too; look again shortly.
                log.exception("disk budget check failed")

    def stop(self, timeout_s: float = 30) -> None:
        """Stop after the current round, and drop the connections."""
        self.stopping.set()
        for thread in self._threads:
            thread.join(timeout=timeout_s)
        self._threads = []
        for client in self._clients:
            client.close()


def target_of(settings: Settings) -> CentralTarget | None:
    """The central named by ``PABRIK_FORWARD_URL`` and its credential file; None if unset."""
    if not settings.forward_url or settings.forward_credential_file is None:
        return None
    credential = settings.forward_credential_file.read_text(encoding="utf-8").strip()
    return CentralTarget(settings.forward_url, credential, settings.forward_ca_file)


def beside_serve(settings: Settings, store: Store, alarm: DiskAlarm) -> Forwarding | None:
    """The forwarding ``serve`` runs when ``PABRIK_FORWARD_URL`` is set (not started)."""
    target = target_of(settings)
    if target is None:
        return None
    if not isinstance(store, SqliteStore):  # the settings refuse this; a store swapped in tests
        raise TypeError("only a plant on SQLite forwards to a central")
    budget = settings.forward_disk_budget_mb
    site = stored_site(SiteConfigs(store, lambda: datetime.now(UTC)))
    return Forwarding(store, target, int(budget * MEGABYTE) if budget else None, site, alarm)


def run_forwarder(
    settings: Settings,
    target: CentralTarget,
    options: ForwardOptions | None = None,
    budget_bytes: int | None = None,
) -> None:
    """Forward the plant's SQLite store to the central until SIGTERM or Ctrl-C."""
    store = SqliteStore(settings.sqlite_path())
    store.upgrade()
    configs = SiteConfigs(store, lambda: datetime.now(UTC))
    alarm = StoredDiskAlarm(configs, store)
    forwarding = Forwarding(store, target, budget_bytes, stored_site(configs), alarm, options)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    forwarding.start()
    try:
        while not stop.wait(1.0):
            pass
    except KeyboardInterrupt:
        pass
    forwarding.stop()
    store.close()
