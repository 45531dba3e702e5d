"""Server-rendered pages and the partials that htmx polls."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from pabrik.present.labels import WINDOW_KEYS, chart_words
from pabrik.runtime.plant.reused_views import CHART_REFRESH_S
from pabrik.runtime.plant.views import MachineDetail, MachineLive, ReasonDuration
from pabrik.web.deps import FormatterDep, RendererDep, RuntimeDep
from pabrik.web.plant import wall
from pabrik.web.setup.machines import not_set_up

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

DEAD_LETTER_PAGE = 50


@dataclass(frozen=True, slots=True)
class ParetoRow:
    """A downtime reason with its share and the cumulative share, for the Pareto table."""

    reason: ReasonDuration
    share: float
    cumulative: float


def pareto(reasons: list[ReasonDuration]) -> list[ParetoRow]:
    """Reasons ordered by time lost, largest first, with running shares."""
    ordered = sorted(reasons, key=lambda r: (-r.ms, r.reason))
    total = sum(r.ms for r in ordered) or 1
    rows: list[ParetoRow] = []
    running = 0
    for r in ordered:
        running += r.ms
        rows.append(ParetoRow(r, r.ms / total, running / total))
    return rows


OVERVIEW_LIVE = "partials/overview.html"
"""The overview's live part: the same for every user, so rendered once per view (render.py)."""


@router.get("/")
def overview_page(
    request: Request, runtime: RuntimeDep, renderer: RendererDep, fmt: FormatterDep
) -> Response:
    """The plant overview (the setup wizard, or a note, while the site is not set up)."""
    if not runtime.configured:
        return not_set_up(request, renderer, fmt)
    live = renderer.fragment(request, OVERVIEW_LIVE, fmt, runtime.overview(), "overview")
    return renderer.render(request, "overview.html", fmt, {"live": live, "page": "overview"})


@router.get("/partials/overview")
def overview_partial(
    request: Request, runtime: RuntimeDep, renderer: RendererDep, fmt: FormatterDep
) -> HTMLResponse:
    """The live part of the overview, polled by htmx."""
    live = renderer.fragment(request, OVERVIEW_LIVE, fmt, runtime.overview(), "overview")
    return renderer.respond(request, fmt, live)


@router.get("/machines/{machine_id}")
def machine_page(
    request: Request,
    machine_id: str,
    runtime: RuntimeDep,
    renderer: RendererDep,
    fmt: FormatterDep,
    window: Annotated[str, Query()] = "shift",
) -> HTMLResponse:
    """One machine: timeline, OEE trend, counts, sensors and downtime reasons."""
    detail = runtime.views.machine(machine_id, window, opened=True)
    api_url = f"{request.scope.get('root_path', '')}/api/v1/machines/{machine_id}?window={window}"
    config = {
        "api": api_url,
        "locale": fmt.locale,
        "timezone": fmt.timezone,
        "refresh_s": CHART_REFRESH_S,
        "words": chart_words(fmt.translator),
        "reasons": {r.id: r.name.get(fmt.locale) for r in runtime.plant.downtime_reasons},
    }
    context = machine_context(detail, window) | {"page": "machine", "chart_config": config}
    return renderer.render(request, "machine.html", fmt, context)


@router.get("/partials/machines/{machine_id}")
def machine_partial(
    request: Request,
    machine_id: str,
    runtime: RuntimeDep,
    renderer: RendererDep,
    fmt: FormatterDep,
    window: Annotated[str, Query()] = "shift",
) -> HTMLResponse:
    """The live numbers of a machine page, polled by htmx."""
    live = runtime.views.live(machine_id, window)
    return renderer.render(request, "partials/machine.html", fmt, machine_context(live, window))


def machine_context(detail: MachineDetail | MachineLive, window: str) -> dict[str, Any]:
    """Template variables of a machine page, or of its live part alone."""
    return {
        "detail": detail,
        "window": window,
        "windows": list(WINDOW_KEYS),
        "pareto": pareto(detail.reasons),
        "machine_id": detail.status.id,
    }


@router.get("/admin/dead-letters")
def dead_letters_page(
    request: Request,
    runtime: RuntimeDep,
    renderer: RendererDep,
    fmt: FormatterDep,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
) -> HTMLResponse:
    """Records that ingest refused, with the reason and the raw payload."""
    context = {
        "items": runtime.dead_letters(limit=DEAD_LETTER_PAGE, offset=offset),
        "total": runtime.dead_letter_count(),
        "offset": offset,
        "limit": DEAD_LETTER_PAGE,
        "page": "dead_letters",
    }
    return renderer.render(request, "dead_letters.html", fmt, context)


# The wall display is served with the other plant pages.
router.include_router(wall.pages)
