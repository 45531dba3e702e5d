"""The version history page: who saved what and when, the change, and restore."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from pabrik.runtime.plant.history import history
from pabrik.web.auth import ScopeDep
from pabrik.web.deps import FormatterDep, RendererDep, RuntimeDep

pages = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
SEE_OTHER = 303


@pages.get("/config/versions")
async def versions_page(
    request: Request, runtime: RuntimeDep, renderer: RendererDep, fmt: FormatterDep
) -> HTMLResponse:
    """The newest versions with what each changed (secrets masked) and a restore button."""
    rows = await asyncio.to_thread(history, runtime.configs)
    context = {"page": "config", "versions": rows, "running": runtime.config_version}
    return renderer.render(request, "config/versions.html", fmt, context)


@pages.post("/config/versions/{version}/restore")
async def restore(request: Request, version: int, runtime: RuntimeDep, scope: ScopeDep) -> Response:
    """Make an earlier version current again, as a new version; it runs without a restart."""
    made = await asyncio.to_thread(runtime.restore_config, version, scope.actor)
    await runtime.reload_config()
    root = request.scope.get("root_path", "")
    return RedirectResponse(f"{root}/config/versions?restored={made}", SEE_OTHER)
