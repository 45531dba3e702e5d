"""The group view on a central: a company's plants side by side, and one plant's overview."""

from __future__ import annotations

from typing import Annotated, Any, cast

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel

from pabrik.present.labels import WINDOW_KEYS
from pabrik.runtime.federation.group import Group, GroupOverview, PlantSummary
from pabrik.web.auth import ScopeDep
from pabrik.web.deps import FormatterDep, RendererDep, web_state
from pabrik.web.plant.pages import machine_context
from pabrik.web.render import Renderer

pages = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
api = APIRouter(prefix="/api/v1", tags=["group"])


def _group(request: Request) -> Group:
    """One ``Group`` per app, so each plant's KPI engine is kept between requests.

    Not through ``RuntimeDep``: that admits only the tenant owning this instance's own site,
    while the group's plants are scoped to the caller's tenant by ``Group`` itself.
    """
    found = getattr(request.app.state, "group", None)
    if found is None:
        runtime = web_state(request).runtime
        found = Group(runtime.store, runtime.clock)
        request.app.state.group = found
    return cast(Group, found)


class SiteRenderer(Renderer):
    """Renders pages for one plant of the group (names come from that plant, not this one)."""

    def current(self, request: Request) -> Any:
        """The group's plant, not this instance's own."""
        return self.plant


class PlantPublic(BaseModel):
    """One plant's production day (OEE and factors as fractions, costs in IDR)."""

    site_id: str
    name: str
    rank: int | None
    machines: int
    oee: float | None
    availability: float | None
    performance: float | None
    quality: float | None
    good: int
    scrap: int
    top_losses: dict[str, int]
    """Downtime reason -> milliseconds, the plant's largest three."""
    cost_of_losses_idr: float
    alarms: int
    last_seen: str | None
    disk_used_bytes: int | None
    disk_budget_bytes: int | None
    disk_share: float | None
    """Used against the plant's disk budget (1.0 = full), as the plant last reported."""
    disk_alarm: bool

    @classmethod
    def of(cls, p: PlantSummary) -> PlantPublic:
        """From the read model."""

        def num(value: object) -> float | None:
            return None if value is None else round(float(cast(float, value)), 4)

        return cls(
            site_id=p.site_id,
            name=p.name,
            rank=p.rank,
            machines=p.machines,
            oee=num(p.oee.oee.value),
            availability=num(p.oee.availability.value),
            performance=num(p.oee.performance.value),
            quality=num(p.oee.quality.value),
            good=p.oee.good,
            scrap=p.oee.scrap,
            top_losses={x.code: x.ms for x in p.losses},
            cost_of_losses_idr=round(float(p.cost_idr), 2),
            alarms=p.alarms,
            last_seen=p.last_seen.isoformat() if p.last_seen else None,
            disk_used_bytes=p.disk.used_bytes if p.disk else None,
            disk_budget_bytes=p.disk.budget_bytes if p.disk else None,
            disk_share=num(p.disk.share) if p.disk else None,
            disk_alarm=bool(p.disk and p.disk.alarm),
        )


class GroupPublic(BaseModel):
    """The company's plants side by side, best OEE first."""

    tenant: str
    plants: list[PlantPublic]

    @classmethod
    def of(cls, g: GroupOverview) -> GroupPublic:
        """From the read model."""
        return cls(tenant=g.tenant_id, plants=[PlantPublic.of(p) for p in g.plants])


@api.get("/group", summary="The company's plants side by side")
def get_group(request: Request, scope: ScopeDep) -> GroupPublic:
    """Each plant's OEE, losses, costs and alarms today, ranked by OEE."""
    return GroupPublic.of(_group(request).overview(scope.require_tenant()))


@pages.get("/group")
def group_page(
    request: Request,
    scope: ScopeDep,
    renderer: RendererDep,
    fmt: FormatterDep,
) -> Response:
    """The company's plants side by side, with a ranking and a link into each."""
    group = _group(request)
    # A system admin who has not chosen a company sees an empty group, not an error.
    tenant = scope.tenant_id
    overview = group.overview(tenant) if tenant else GroupOverview("", group.clock(), ())
    context = {"group": overview, "page": "group"}
    return renderer.render(request, "federation/group.html", fmt, context)


@pages.get("/group/{site_id}")
def group_site_page(
    request: Request,
    site_id: str,
    scope: ScopeDep,
    fmt: FormatterDep,
) -> Response:
    """One plant of the group: its lines and machines as on its own overview."""
    group = _group(request)
    plant, overview = group.site_overview(scope.require_tenant(), site_id)
    context = {"overview": overview, "site_id": site_id, "page": "group"}
    return SiteRenderer(plant).render(request, "federation/group_site.html", fmt, context)


def _live_base(request: Request, site_id: str) -> str:
    return f"{request.scope.get('root_path', '')}/group/{site_id}/partials/machines"


@pages.get("/group/{site_id}/machines/{machine_id}")
def group_machine_page(
    request: Request,
    site_id: str,
    machine_id: str,
    scope: ScopeDep,
    fmt: FormatterDep,
    window: Annotated[str, Query()] = "shift",
) -> Response:
    """A machine of one plant of the group, as on that plant's own machine page (figures)."""
    plant, detail = _group(request).site_machine(
        scope.require_tenant(), site_id, machine_id, window
    )
    context = machine_context(detail, window) | {
        "page": "group",
        "site_id": site_id,
        "live_base": _live_base(request, site_id),
    }
    return SiteRenderer(plant).render(request, "federation/group_machine.html", fmt, context)


@pages.get("/group/{site_id}/partials/machines/{machine_id}")
def group_machine_partial(
    request: Request,
    site_id: str,
    machine_id: str,
    scope: ScopeDep,
    fmt: FormatterDep,
    window: Annotated[str, Query()] = "shift",
) -> Response:
    """The live numbers of a group machine page, polled by htmx."""
    plant, live = _group(request).site_machine_live(
        scope.require_tenant(), site_id, machine_id, window
    )
    context = machine_context(live, window) | {"live_base": _live_base(request, site_id)}
    return SiteRenderer(plant).render(request, "partials/machine.html", fmt, context)


@pages.get("/group/{site_id}/losses")
def group_losses_page(
    request: Request,
    site_id: str,
    scope: ScopeDep,
    fmt: FormatterDep,
    window: Annotated[str, Query()] = "day",
) -> Response:
    """One plant of the group: its downtime by reason, from the same loss report as its own."""
    plant, report = _group(request).site_losses(scope.require_tenant(), site_id, window)
    context = {
        "page": "group",
        "site_id": site_id,
        "report": report,
        "scope": "plant",
        "window": window,
        "windows": list(WINDOW_KEYS),
    }
    return SiteRenderer(plant).render(request, "federation/group_losses.html", fmt, context)
