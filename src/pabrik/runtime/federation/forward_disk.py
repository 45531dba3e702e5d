"""A plant's status for its central: disk budget (alarm at 80 %, what may go) and site document.

Policy: data the central has not confirmed is never deleted. Over the budget, the oldest samples
the central has confirmed go first, until the store is back under 90 %; states, counts, dead
letters and alarm history are never deleted for space. Each deletion is logged and reported.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Protocol

from pabrik.runtime.federation.forward import Poster
from pabrik.runtime.federation.forward_client import CentralRefusedError, CentralUnavailableError

log = logging.getLogger(__name__)
ALARM_SHARE = 0.8
PURGE_TO_SHARE = 0.9
PURGE_CHUNK = 5000
STATUS_EVERY_S = 10.0


SiteSource = Callable[[], tuple[int, str] | None]
"""The plant's site configuration: (version, YAML text), sent to the central when it changes."""
DiskAlarm = Callable[[float], object]
"""Gives the plant's disk-budget alarm the share used, in percent (raised at 80, cleared below)."""


class DiskSource(Protocol):
    """The plant store's size, and deleting confirmed samples."""

    def store_bytes(self) -> int:
        """Bytes of the live pages."""
        ...

    def purge_forwarded_samples(self, limit: int) -> int:
        """Delete the oldest confirmed samples; how many."""
        ...


@dataclass(frozen=True, slots=True)
class DiskStatus:
    """The plant store's size against its budget, the alarm, and what the policy deleted."""

    used_bytes: int
    budget_bytes: int | None
    share: float | None
    alarm: bool
    pending_rows: int
    deleted_samples: int


class DiskWatch:
    """Checks the budget now and then, applies the policy, logs and tells the central."""

    def __init__(
        self,
        store: DiskSource,
        poster: Poster,
        path: Path,
        budget: int | None,
        site: SiteSource | None = None,
        raise_alarm: DiskAlarm | None = None,
    ) -> None:
        self.store, self.poster, self.path, self.budget = store, poster, path, budget
        self.site, self.raise_alarm = site, raise_alarm
        self._site_sent = 0
        self.alarm = False
        self.deleted = 0
        self._next = 0.0

    def _used(self) -> int:
        wal = Path(f"{self.path}-wal")
        return self.store.store_bytes() + (wal.stat().st_size if wal.exists() else 0)

    def _share(self) -> float | None:
        return self._used() / self.budget if self.budget else None

    def _keep_within(self) -> None:
        share = self._share()
        while share is not None and share >= 1.0:
            gone = self.store.purge_forwarded_samples(PURGE_CHUNK)
            self.deleted += gone
            share = self._share()
            if gone:
                log.warning("disk budget: deleted %d confirmed samples (oldest first)", gone)
            if not gone or (share is not None and share < PURGE_TO_SHARE):
                return

    def _tell_alarm(self, share: float | None) -> None:
        if self.raise_alarm is None or share is None:
            return
        try:
            self.raise_alarm(100 * share)
        except Exception:
            # The alarm store may be busy or the site reloading; the next check tells it again.
            log.exception("disk budget alarm not recorded")

    def check(self, pending_rows: int, *, force: bool = False) -> DiskStatus | None:
        """When due: apply the policy, raise or clear the alarm, report to the central."""
        if not force and time.monotonic() < self._next:
            return None
        self._next = time.monotonic() + STATUS_EVERY_S
        self._keep_within()
        share = self._share()
        alarm = share is not None and share >= ALARM_SHARE
        status = DiskStatus(self._used(), self.budget, share, alarm, pending_rows, self.deleted)
        if alarm != self.alarm:
            self.alarm = alarm
            if alarm:
                percent = 100 * (share or 0)
                log.warning("disk budget alarm: %.0f %% of %s bytes", percent, self.budget)
            else:
                log.warning("disk budget alarm cleared")
        self._tell_alarm(share)
        body: dict[str, object] = asdict(status)
        current = self.site() if self.site else None
        if current is not None and current[0] != self._site_sent:
            body["site_version"], body["site_document"] = current
        try:
            self.poster.post("/api/v1/federation/status", json.dumps(body).encode())
        except (CentralUnavailableError, CentralRefusedError) as err:
            log.info("status not reported: %s", err)
        else:
            if current is not None:
                self._site_sent = current[0]
        return status
