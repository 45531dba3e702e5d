"""``pabrik forward``: run a plant's forwarder until stopped, watching its disk budget."""

from __future__ import annotations

import json
import logging
import signal
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from pabrik.runtime.federation.forward import Forwarder, ForwardOptions
from pabrik.runtime.federation.forward_client import (
    CentralClient,
    CentralRefusedError,
    CentralTarget,
    CentralUnavailableError,
)
from pabrik.runtime.settings import Settings
from pabrik.storage.sqlite.store import SqliteStore

log = logging.getLogger(__name__)
ALARM_SHARE = 0.8
STATUS_EVERY_S = 10.0


@dataclass(frozen=True, slots=True)
class DiskStatus:
    """The plant store's size against its budget, and whether the 80 % alarm is raised."""

    used_bytes: int
    budget_bytes: int | None
    share: float | None
    alarm: bool
    pending_rows: int


def disk_used(path: Path) -> int:
    """Bytes of the SQLite file with its write-ahead log and shared memory."""
    return sum(
        p.stat().st_size for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists()
    )


def disk_status(path: Path, budget_bytes: int | None, pending_rows: int) -> DiskStatus:
    """Where the store stands against its budget; the alarm is on at 80 % and above."""
    used = disk_used(path)
    share = used / budget_bytes if budget_bytes else None
    alarm = share is not None and share >= ALARM_SHARE
    return DiskStatus(used, budget_bytes, share, alarm, pending_rows)


class DiskWatch:
    """Checks the budget now and then, logs the alarm's raising and clearing, tells the central."""

    def __init__(self, forwarder: Forwarder, client: CentralClient, path: Path, budget: int | None):
        self.forwarder, self.client, self.path, self.budget = forwarder, client, path, budget
        self.alarm = False
        self._next = 0.0

    def check(self) -> DiskStatus | None:
        """Check if it is time; report to the central (best effort)."""
        if time.monotonic() < self._next:
            return None
        self._next = time.monotonic() + STATUS_EVERY_S
        status = disk_status(self.path, self.budget, self.forwarder.pending())
        if status.alarm != self.alarm:
            self.alarm = status.alarm
            if status.alarm:
                log.warning(
                    "disk budget alarm: %.0f %% of %s bytes", 100 * (status.share or 0), self.budget
                )
            else:
                log.info("disk budget alarm cleared")
        try:
            self.client.post("/api/v1/federation/status", json.dumps(asdict(status)).encode())
        except (CentralUnavailableError, CentralRefusedError) as err:
            log.info("status not reported: %s", err)
        return status


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
    watch = DiskWatch(forwarder, CentralClient(target), path, budget_bytes)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    thread = threading.Thread(target=forwarder.run, args=(stop,), name="forwarder", daemon=True)
    thread.start()
    log.warning("forwarding %s to %s", path, target.url)
    try:
        while not stop.wait(1.0):
            watch.check()
    except KeyboardInterrupt:
        stop.set()
    thread.join(timeout=30)
    client.close()
    store.close()
