"""The group view on a central: a company's plants side by side, ranked, from the KPI engine.

Each plant's hierarchy comes from its site document (``group_sites``); its records arrived by
store-and-forward. Every figure is the KPI engine's (one definition of each number): OEE and
losses from ``loss_report`` over the plant's production day, costs of losses likewise, and
alarm occurrences from the forwarded alarm transitions.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

from pabrik.model.errors import NotFoundError, PabrikError
from pabrik.model.records import from_epoch_ms
from pabrik.model.site import Plant
from pabrik.model.windows import WindowName, named_window
from pabrik.runtime.federation.forward_disk import DiskStatus
from pabrik.runtime.kpi.engine import KpiEngine
from pabrik.runtime.kpi.loss_report import loss_report
from pabrik.runtime.kpi.views import LossReport, OeeView, ParetoItem
from pabrik.runtime.plant import queries as plantqueries
from pabrik.runtime.plant.siteconfig import parse_site
from pabrik.runtime.plant.views import MachineDetail, MachineLive, PlantOverview
from pabrik.storage.alarms import TransitionFilter
from pabrik.storage.sharing import GroupSiteRow
from pabrik.storage.store import Store

log = logging.getLogger(__name__)
TOP_LOSSES = 3
MAX_TRANSITIONS = 20000


@dataclass(frozen=True, slots=True)
class PlantSummary:
    """One plant's production day: OEE, top losses, cost of losses and alarms."""

    site_id: str
    name: str
    machines: int
    oee: OeeView
    losses: tuple[ParetoItem, ...]
    cost_idr: Fraction
    alarms: int
    last_seen: datetime | None
    rank: int | None = None
    """1 for the best OEE; None when the plant has no OEE yet."""
    disk: DiskStatus | None = None
    """None before the plant reported its status."""


@dataclass(frozen=True, slots=True)
class GroupOverview:
    """A tenant's plants side by side, best OEE first."""

    tenant_id: str
    now: datetime
    plants: tuple[PlantSummary, ...]
    skipped: tuple[str, ...] = ()
    """Plants whose site document could not be read (by site id)."""


class Group:
    """KPI engines for a tenant's plants over the central's store."""

    def __init__(self, store: Store, clock: Callable[[], datetime]) -> None:
        self.store = store
        self.clock = clock
        self._engines: dict[tuple[str, str], KpiEngine] = {}

    def sites(self, tenant_id: str) -> tuple[list[tuple[str, str, Plant]], list[str]]:
        """The tenant's plants (site id, name, hierarchy) and the site ids that failed to load."""
        found: list[tuple[str, str, Plant]] = []
        skipped: list[str] = []
        for row in self.store.group_sites(tenant_id):
            try:
                plant = parse_site(row.document, f"group site {row.site_id}").plant()
            except PabrikError:
                log.warning("site document of plant %s is not valid", row.site_id)
                skipped.append(row.site_id)
                continue
            found.append((row.site_id, row.name or plant.site.name, plant))
        return found, skipped

    def engine(self, tenant_id: str, site_id: str, plant: Plant) -> KpiEngine:
        """One engine per plant, new when its document changed (rollups are per machine)."""
        key = (tenant_id, site_id)
        engine = self._engines.get(key)
        if engine is None or engine.plant != plant:
            engine = KpiEngine(plant, self.store, self.clock)
            self._engines[key] = engine
        return engine

    def overview(self, tenant_id: str, now: datetime | None = None) -> GroupOverview:
        """Every plant of the tenant over its own production day, ranked by OEE."""
        at = now or self.clock()
        sites, skipped = self.sites(tenant_id)
        seen, disks = _last_seen(self.store, tenant_id), _disks(self.store, tenant_id)
        alarms = _alarm_counts(self.store, sites, at)
        plants = [
            self._summary(tenant_id, site_id, name, plant, at, alarms, seen, disks.get(site_id))
            for site_id, name, plant in sites
        ]
        return GroupOverview(tenant_id, at, tuple(rank(plants)), tuple(skipped))

    def _summary(
        self,
        tenant_id: str,
        site_id: str,
        name: str,
        plant: Plant,
        at: datetime,
        alarms: dict[str, int],
        seen: dict[str, datetime],
        disk: DiskStatus | None,
    ) -> PlantSummary:
        day = named_window(plant.calendar, WindowName.DAY, at)
        report = loss_report(self.engine(tenant_id, site_id, plant), "plant", day)
        return PlantSummary(
            site_id=site_id,
            name=name,
            machines=len(plant.machines()),
            oee=report.summary,
            losses=tuple(report.pareto[:TOP_LOSSES]),
            cost_idr=report.total_idr,
            alarms=alarms.get(site_id, 0),
            last_seen=seen.get(site_id),
            disk=disk,
        )

    def site(self, tenant_id: str, site_id: str) -> tuple[str, Plant]:
        """One plant of the tenant (name and hierarchy); another tenant's is 'not found'."""
        sites, _ = self.sites(tenant_id)
        for found_id, name, plant in sites:
            if found_id == site_id:
                return name, plant
        raise NotFoundError("plant not found", site=site_id)

    def site_overview(
        self, tenant_id: str, site_id: str, now: datetime | None = None
    ) -> tuple[Plant, PlantOverview]:
        """The existing plant overview, for one plant of the group."""
        _, plant = self.site(tenant_id, site_id)
        engine = self.engine(tenant_id, site_id, plant)
        return plant, plantqueries.overview(engine, now or self.clock())

    def site_machine(
        self,
        tenant_id: str,
        site_id: str,
        machine_id: str,
        window: str,
        now: datetime | None = None,
    ) -> tuple[Plant, MachineDetail]:
        """The existing machine page's figures, for a machine of one plant of the group."""
        _, plant = self.site(tenant_id, site_id)
        engine = self.engine(tenant_id, site_id, plant)
        # A machine of another plant is "not found" here, even of the same company.
        return plant, plantqueries.machine_detail(engine, machine_id, window, now or self.clock())

    def site_machine_live(
        self, tenant_id: str, site_id: str, machine_id: str, window: str
    ) -> tuple[Plant, MachineLive]:
        """The live numbers of that machine page, for its 5 s polls."""
        _, plant = self.site(tenant_id, site_id)
        engine = self.engine(tenant_id, site_id, plant)
        return plant, plantqueries.machine_live(engine, machine_id, window, self.clock())

    def site_losses(
        self, tenant_id: str, site_id: str, window: str, now: datetime | None = None
    ) -> tuple[Plant, LossReport]:
        """The existing losses page's report (the whole plant), for one plant of the group."""
        _, plant = self.site(tenant_id, site_id)
        engine = self.engine(tenant_id, site_id, plant)
        return plant, loss_report(
            engine, "plant", named_window(plant.calendar, window, now or self.clock())
        )


def rank(plants: list[PlantSummary]) -> list[PlantSummary]:
    """Best OEE first; plants without an OEE last, unranked, by name."""
    scored = [p for p in plants if p.oee.oee.value is not None]
    scored.sort(key=lambda p: (-(p.oee.oee.value or 0), p.name))
    unscored = sorted((p for p in plants if p.oee.oee.value is None), key=lambda p: p.name)
    ranked = [_with_rank(p, i) for i, p in enumerate(scored, start=1)]
    return ranked + unscored


def _with_rank(p: PlantSummary, position: int) -> PlantSummary:
    return PlantSummary(
        p.site_id, p.name, p.machines, p.oee, p.losses, p.cost_idr, p.alarms, p.last_seen,
        position, p.disk,
    )  # fmt: skip


def _last_seen(store: Store, tenant_id: str) -> dict[str, datetime]:
    """When each forwarding plant was last heard from (the central's plant register)."""
    return {
        p.plant_id: from_epoch_ms(p.last_seen_ms)
        for p in store.plants(tenant_id)
        if p.last_seen_ms is not None
    }


def _disk(status_json: str | None) -> DiskStatus | None:
    """The disk part of a plant's reported status; None if it never reported one."""
    try:
        s = json.loads(status_json or "null")
        if not isinstance(s, dict) or "used_bytes" not in s:
            return None
        budget, share = s.get("budget_bytes"), s.get("share")
        return DiskStatus(
            int(s["used_bytes"]), None if budget is None else int(budget),
            None if share is None else float(share), bool(s.get("alarm")),
            int(s.get("pending_rows") or 0), int(s.get("deleted_samples") or 0),
        )  # fmt: skip
    except (TypeError, ValueError):  # a plant of an older version reports other fields
        return None


def _disks(store: Store, tenant_id: str) -> dict[str, DiskStatus]:
    """Each forwarding plant's last reported disk use."""
    found = {p.plant_id: _disk(p.status_json) for p in store.plants(tenant_id)}
    return {k: v for k, v in found.items() if v is not None}


def is_group_central(store: Store, tenant_id: str | None) -> bool:
    """Whether a group view makes sense: plants of this company forward to this pabrik."""
    return bool(tenant_id) and bool(store.plants(tenant_id))


def plant_wide_machine(plant_id: str) -> str:
    """The machine id a plant's plant-wide alarms (disk budget) carry on the central."""
    return f"plant:{plant_id}"


def _alarm_counts(
    store: Store, sites: list[tuple[str, str, Plant]], at: datetime
) -> dict[str, int]:
    """Alarm occurrences in each plant's production day, from the forwarded transitions."""
    counts: dict[str, int] = {}
    for site_id, _, plant in sites:
        day = named_window(plant.calendar, WindowName.DAY, at)
        machines = {m.id for m in plant.machines()} | {plant_wide_machine(site_id)}
        rows = store.alarm_transitions(TransitionFilter(day.start, day.end), MAX_TRANSITIONS)
        counts[site_id] = sum(1 for t in rows if t.occurrence and t.machine_id in machines)
    return counts


def save_site_document(store: Store, plant_id: str, text: str, now: datetime) -> str:
    """Keep a registered plant's site document on the central (checked first); its name."""
    plant = store.plant(plant_id)
    if plant is None:
        raise NotFoundError("no such plant", plant=plant_id)
    site = parse_site(text, f"site document of {plant_id}").plant()
    name = plant.name if plant.name != plant_id else site.site.name
    store.save_group_site(GroupSiteRow(plant.tenant_id, plant_id, name, text, now))
    return name
