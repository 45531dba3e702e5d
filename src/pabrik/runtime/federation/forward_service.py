"""``pabrik forward``: run a plant's forwarder until stopped, watching its disk budget."""

from __future__ import annotations

import logging
import signal
import threading
from datetime import UTC, datetime

from pabrik.alarms.definitions import AlarmSettings
from pabrik.runtime.alarms.service import AlarmService
from pabrik.runtime.federation.forward import Forwarder, ForwardOptions
from pabrik.runtime.federation.forward_client import CentralClient, CentralTarget
from pabrik.runtime.federation.forward_disk import DiskWatch
from pabrik.runtime.plant.configstore import SiteConfigs
from pabrik.runtime.plant.siteconfig import parse_site
from pabrik.runtime.settings import Settings
from pabrik.storage.sqlite.store import SqliteStore

log = logging.getLogger(__name__)


class StoredDiskAlarm:
    """The disk-budget alarm in the plant's store, for a forwarder running beside ``serve``.

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


def run_forwarder(
    settings: Settings,
    target: CentralTarget,
    options: ForwardOptions | None = None,
    budget_bytes: int | None = None,
) -> None:
    """Forward the plant's SQLite store to the central until SIGTERM or Ctrl-C."""
    path = settings.sqlite_path()
    store = SqliteStore(path)
    store.upgrade()
    client = CentralClient(target)
    forwarder = Forwarder(store, client, options)
    configs = SiteConfigs(store, lambda: datetime.now(UTC))

    def site() -> tuple[int, str] | None:
        document = configs.current()
        return None if document is None else (document.meta.version, document.text)

    alarm = StoredDiskAlarm(configs, store)
    watch = DiskWatch(store, CentralClient(target), path, budget_bytes, site, alarm)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    thread = threading.Thread(target=forwarder.run, args=(stop,), name="forwarder", daemon=True)
    thread.start()
    log.warning("forwarding %s to %s", path, target.url)
    try:
        while not stop.wait(1.0):
            watch.check(forwarder.pending())
    except KeyboardInterrupt:
        stop.set()
    thread.join(timeout=30)
    client.close()
    store.close()
