"""The machines page: every machine with its connection health (issue 13)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from pabrik.model.states import Quality
from pabrik.runtime.app import Runtime
from pabrik.runtime.health.machines import HEALTH_WINDOW, RATE_WINDOW, machine_health
from pabrik.runtime.setup.saving import is_configured
from pabrik.web.deps import FormatterDep, RendererDep, RuntimeDep
from pabrik.web.render import Renderer

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)


@router.get("/machines")
async def machines_page(
    request: Request,
    runtime: RuntimeDep,
    renderer: RendererDep,
    fmt: FormatterDep,
    saved: Annotated[int | None, Query(ge=1, le=2**31)] = None,
) -> Response:
    """Every machine with its source, last data, rate, quality mix, dead letters, connectors."""
    if not is_configured(runtime):
        return not_set_up(request, renderer, fmt)
    context = await _health(runtime) | {"page": "machines", "saved": saved}
    return renderer.render(request, "setup/machines.html", fmt, context)


@router.get("/partials/machines")
async def machines_partial(
    request: Request, runtime: RuntimeDep, renderer: RendererDep, fmt: FormatterDep
) -> Response:
    """The machines table, polled by htmx so a connector coming up shows without a reload."""
    if not is_configured(runtime):
        return Response(status_code=204)
    context = await _health(runtime)
    return renderer.render(request, "setup/_machine_rows.html", fmt, context)


async def _health(runtime: Runtime) -> dict[str, Any]:
    rows = await run_in_threadpool(machine_health, runtime)
    return {
        "rows": rows,
        "qualities": list(Quality),
        "version": runtime.config_version,
        "window_minutes": int(HEALTH_WINDOW.total_seconds() // 60),
        "rate_minutes": int(RATE_WINDOW.total_seconds() // 60),
        "line_names": {ln.id: ln.name for ln in runtime.plant.lines()},
    }


def not_set_up(request: Request, renderer: Renderer, fmt: FormatterDep) -> Response:
    """The wizard for those who may run it, a clear note for everyone else."""
    principal = getattr(request.state, "principal", None)
    if principal is not None and principal.can("plant.configure"):
        return RedirectResponse(f"{request.scope.get('root_path', '')}/setup", 303)
    return renderer.render(request, "setup/pending.html", fmt, {"page": "machines"})
