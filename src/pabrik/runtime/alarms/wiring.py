"""How alarms join a process: after each committed batch, and on a clock, never failing ingest."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from datetime import datetime

from pabrik.model.records import Record
from pabrik.model.site import Plant
from pabrik.model.windows import custom_window
from pabrik.runtime.alarms.service import AlarmBackend, AlarmService, Clock, ShiftFigure
from pabrik.runtime.kpi.engine import KpiEngine
from pabrik.runtime.kpi.summary import scope_oee
from pabrik.runtime.plant.siteconfig import SiteConfig

log = logging.getLogger(__name__)

TICK_S = 30.0


def kpi_shift_figure(engine: KpiEngine) -> ShiftFigure:
    """The running shift's OEE (a fraction) or good output of a machine, from the KPI engine."""

    def figure(machine_id: str, measure: str, start: datetime, now: datetime) -> float | None:
        if now <= start:
            return None
        view = scope_oee(engine, machine_id, custom_window(start, now, now))
        if measure == "output":
            return float(view.good)
        return None if view.oee.value is None else float(view.oee.value)

    return figure


def build_alarms(
    site: SiteConfig,
    plant: Plant,
    store: AlarmBackend,
    clock: Clock,
    engine: KpiEngine | None = None,
) -> AlarmService:
    """The alarm service of a site (with shift targets when a KPI engine is at hand)."""
    figure = kpi_shift_figure(engine) if engine is not None else None
    return AlarmService(plant, site.alarms, store, clock, figure)


class AlarmHook:
    """Called by ingest after each commit; an alarm problem is logged, never raised."""

    def __init__(self, service: AlarmService) -> None:
        self.service = service
        self.failures = 0

    def __call__(self, records: Sequence[Record]) -> None:
        """Evaluate a committed batch."""
        try:
            self.service.observe(records)
        except Exception:
            # The data is safely stored; the next batch or tick evaluates again.
            self.failures += 1
            log.exception("alarm evaluation failed for a batch of %d records", len(records))


def tick_once(service: AlarmService) -> None:
    """One look at every alarm; a failure is logged and the next tick tries again."""
    try:
        service.tick()
    except Exception:
        log.exception("alarm tick failed")


async def tick_forever(
    service: AlarmService, stopping: asyncio.Event, interval_s: float = TICK_S
) -> None:
    """Look at every alarm every ``interval_s`` until ``stopping`` is set."""
    while not stopping.is_set():
        await asyncio.to_thread(tick_once, service)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), interval_s)
