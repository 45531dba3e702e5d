"""Rollup hours filled in the background, so the first view of a machine finds them ready."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from datetime import timedelta

from pabrik.model.records import to_epoch_ms
from pabrik.runtime.kpi.engine import KpiEngine
from pabrik.storage.rollups import HOUR_MS

log = logging.getLogger(__name__)

AFTER_HOUR_S = 120.0
"""How long after an hour ends it is filled: most of its late records have arrived by then."""


class RollupsAhead:
    """One task filling every machine's missing rollup hours of the last ``days``.

    A machine page's shift trend reaches 7 days back; on a machine nobody viewed yet its view
    used to compute those hours from raw and save them in the request. This pass does the
    same work (the engine's claim, raw computation and save, so rollup = raw holds) one
    machine at a time in a worker thread: once after start, then after each hour ends.
    Off while ``days`` is 0 (the default: tests and tools that do not serve).
    """

    def __init__(self, engine: Callable[[], KpiEngine], days: float = 0.0) -> None:
        self._engine = engine
        self.days = days
        self.filled = 0
        """Hours computed so far, for tests and the log."""
        self.passes = 0
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Begin the passes (in the running loop) unless off or already running."""
        if self.days > 0 and self._task is None:
            self._stop = asyncio.Event()
            self._task = asyncio.create_task(self._run(), name="pabrik-rollups-ahead")

    async def stop(self) -> None:
        """Stop after the machine being filled."""
        task, self._task = self._task, None
        if task is not None:
            self._stop.set()
            await task

    def fill_once(self) -> int:
        """One pass over every machine, in the calling thread; the hours computed."""
        engine = self._engine()
        now = engine.clock()
        start = now - timedelta(days=self.days)
        filled = 0
        for machine in engine.plant.machines():
            if self._stop.is_set():
                break
            filled += engine.fill_missing(machine, start, now)
        self.filled += filled
        self.passes += 1
        return filled

    async def _run(self) -> None:
        while not self._stop.is_set():
            try:
                began = time.monotonic()
                filled = await asyncio.to_thread(self.fill_once)
                took = time.monotonic() - began
                log.info(
                    "rollups ahead: pass %d, %d hour(s) filled in %.1f s", self.passes, filled, took
                )
            except Exception:
                # A failed pass (the store away, a configuration switch) is retried next hour.
                log.exception("rollups ahead: pass failed")
            now_ms = to_epoch_ms(self._engine().clock())
            wait_s = (HOUR_MS - now_ms % HOUR_MS) / 1000 + AFTER_HOUR_S
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), wait_s)
