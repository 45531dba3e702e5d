"""Follow the stored configuration: apply each new version in a running process."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from pabrik.runtime.ingest.connectors import ReloadReport
from pabrik.runtime.plant.configstore import SiteConfigs
from pabrik.runtime.plant.siteconfig import SiteConfig

log = logging.getLogger(__name__)

Apply = Callable[[SiteConfig, int], Awaitable[ReloadReport]]


class ConfigFollower:
    """Applies a newer stored version: at once after a wake-up, else at the next poll."""

    def __init__(
        self, configs: SiteConfigs, apply: Apply, running: Callable[[], int], poll_s: float
    ) -> None:
        self.configs = configs
        self.apply = apply
        self.running = running
        self.poll_s = poll_s
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._failed = 0

    def wake(self) -> None:
        """Look now instead of at the next poll (callable from any thread)."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._wake.set)

    async def reload(self) -> ReloadReport | None:
        """Apply the newest stored version if it does not run yet; None when nothing changed."""
        async with self._lock:
            head = await asyncio.to_thread(self.configs.head)
            if head in (0, self.running(), self._failed):
                return None
            current = await asyncio.to_thread(self.configs.current)
            if current is None:
                return None
            try:
                return await self.apply(current.site, current.meta.version)
            except Exception:
                self._failed = current.meta.version  # tried again once a newer one is saved
                raise

    async def run(self) -> None:
        """Follow until cancelled; one failed version never ends the loop."""
        self._loop = asyncio.get_running_loop()
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_s)
            self._wake.clear()
            try:
                await self.reload()
            except Exception:
                log.exception("applying the stored configuration failed")
