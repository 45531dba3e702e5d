"""Page views kept between polls: the plant overview, machine pages and their live numbers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from pabrik.runtime.kpi.engine import KpiEngine
from pabrik.runtime.kpi.reuse import Reuse
from pabrik.runtime.plant import queries
from pabrik.runtime.plant.views import MachineDetail, MachineLive, PlantOverview

CHART_REFRESH_S = 15
"""How often a machine page reloads its charts (the machine API): its page view lives as long."""


class PageViews:
    """Recent views of one plan, reused by polls until they age out (see ``Reuse``)."""

    def __init__(
        self,
        engine: KpiEngine,
        now: Callable[[], datetime],
        writes: Callable[[], int],
        ttl_s: float,
    ) -> None:
        self._engine, self._now, self._writes = engine, now, writes
        self.overviews: Reuse[PlantOverview] = Reuse(ttl_s)
        # Only the chart reload polls the page view once it is open (every 15 s, its live
        # numbers apart); a view that expired at 5 s would be computed in that request.
        self.details: Reuse[MachineDetail] = Reuse(max(ttl_s, CHART_REFRESH_S) if ttl_s else 0)
        self.lives: Reuse[MachineLive] = Reuse(ttl_s)

    def overview(self) -> PlantOverview:
        """The plant overview now, or a recent one."""
        compute = lambda at: queries.overview(self._engine, at)  # noqa: E731
        return self.overviews.get("overview", self._now(), self._writes(), compute)

    def machine(self, machine_id: str, window: str, *, opened: bool = False) -> MachineDetail:
        """A machine's page for its polls (a recent one may do); ``opened``: new, kept for them."""
        compute = lambda at: queries.machine_detail(self._engine, machine_id, window, at)  # noqa: E731
        reuse = self.details.renew if opened else self.details.get
        return reuse((machine_id, window), self._now(), self._writes(), compute)

    def live(self, machine_id: str, window: str) -> MachineLive:
        """A machine page's live numbers for its 5 s polls (a recent one may do).

        Apart from the page, so a poll never computes the sensor charts, the shift trend and
        the timeline that only the page and the chart API (every 15 s) show.
        """
        compute = lambda at: queries.machine_live(self._engine, machine_id, window, at)  # noqa: E731
        return self.lives.get((machine_id, window), self._now(), self._writes(), compute)
