"""The wall display: full screen, one line at a time in large numbers, every machine's state."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from pabrik.web.deps import FormatterDep, RendererDep, RuntimeDep

pages = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
REFRESH_S = 30
WORKER = Path(__file__).resolve().parent.parent / "static" / "wall-sw.js"
SecondsQ = Annotated[int, Query(ge=5, le=600, description="Seconds each line stays on screen")]
RefreshQ = Annotated[int, Query(ge=5, le=600, description="Seconds between two fetches")]


@pages.get("/wall")
def wall_page(
    request: Request,
    runtime: RuntimeDep,
    renderer: RendererDep,
    fmt: FormatterDep,
    seconds: SecondsQ = 15,
    refresh: RefreshQ = REFRESH_S,
) -> HTMLResponse:
    """The lines one after the other, for a screen on the shop-floor wall."""
    context = {
        "overview": runtime.overview(),
        "rotate_s": seconds,
        "refresh_s": refresh,
        "page": "wall",
    }
    return renderer.render(request, "wall.html", fmt, context)


@pages.get("/wall-sw.js", response_class=Response)
def wall_worker() -> Response:
    """The wall's service worker, allowed to control /wall from the root."""
    return Response(
        WORKER.read_text(encoding="utf-8"),
        media_type="text/javascript",
        headers={"Cache-Control": "no-cache"},
    )


@pages.get("/partials/wall")
def wall_partial(
    request: Request, runtime: RuntimeDep, renderer: RendererDep, fmt: FormatterDep
) -> HTMLResponse:
    """The lines of the wall display, fetched again every half minute."""
    context = {"overview": runtime.overview()}
    return renderer.render(request, "partials/wall.html", fmt, context)
