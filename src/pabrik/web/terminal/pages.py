"""Terminal pages: one per machine and per line, the QR sheet, corrections and the worker."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from pabrik.model.errors import InvalidRequestError
from pabrik.model.records import from_epoch_ms, to_epoch_ms
from pabrik.model.states import StateClass
from pabrik.runtime.app import Runtime
from pabrik.runtime.terminal.corrections import correct_count, correct_state, correctable
from pabrik.runtime.terminal.view import line_terminal, machine_reasons, machine_terminal
from pabrik.web.auth import ScopeDep
from pabrik.web.deps import FormatterDep, RendererDep, RuntimeDep
from pabrik.web.machine_forms import MAX_MS, SEE_OTHER, machine_form
from pabrik.web.terminal.qr import qr_svg

pages = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
WORKER = Path(__file__).resolve().parent.parent / "static" / "terminal" / "sw.js"


def _base(request: Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc}{request.scope.get('root_path', '')}"


def _reason_names(runtime: Runtime, locale: str) -> dict[str, str]:
    return {r.id: r.name.get(locale) for r in runtime.plant.downtime_reasons}


@pages.get("/terminal/sw.js")
def service_worker() -> Response:
    """The terminal's service worker, served under /terminal/ so that it controls the pages."""
    return Response(
        WORKER.read_text(encoding="utf-8"),
        media_type="text/javascript",
        headers={"Cache-Control": "no-cache"},
    )


@pages.get("/terminal/machines/{machine_id}")
def machine_page(
    request: Request, machine_id: str, runtime: RuntimeDep, renderer: RendererDep, fmt: FormatterDep
) -> HTMLResponse:
    """A machine's terminal: state, counts, handover note; works offline once opened."""
    now = runtime.now()
    view = machine_terminal(runtime, machine_id, now)
    context = {
        "views": [view],
        "now_ms": to_epoch_ms(now),
        "title": view.machine.name,
        "line": None,
        "reason_names": _reason_names(runtime, fmt.locale),
    }
    return renderer.render(request, "terminal/terminal.html", fmt, context)


@pages.get("/terminal/lines/{line_id}")
def line_page(
    request: Request, line_id: str, runtime: RuntimeDep, renderer: RendererDep, fmt: FormatterDep
) -> HTMLResponse:
    """A line's terminal: every machine of the line on one page."""
    now = runtime.now()
    view = line_terminal(runtime, line_id, now)
    context = {
        "views": view.machines,
        "now_ms": to_epoch_ms(now),
        "title": view.line.name,
        "line": view.line,
        "reason_names": _reason_names(runtime, fmt.locale),
    }
    return renderer.render(request, "terminal/terminal.html", fmt, context)


@pages.get("/terminal/qr")
def qr_sheet(
    request: Request, runtime: RuntimeDep, renderer: RendererDep, fmt: FormatterDep
) -> HTMLResponse:
    """A printable sheet: one QR code per machine that opens its terminal."""
    base = _base(request)
    codes = [
        (line, m, f"{base}/terminal/machines/{m.id}", qr_svg(f"{base}/terminal/machines/{m.id}"))
        for line in runtime.plant.lines()
        for m in line.machines
    ]
    return renderer.render(request, "terminal/qr.html", fmt, {"codes": codes})


@pages.get("/terminal/corrections/{machine_id}")
def corrections_page(
    request: Request,
    machine_id: str,
    runtime: RuntimeDep,
    renderer: RendererDep,
    fmt: FormatterDep,
    error: str | None = None,
) -> HTMLResponse:
    """A supervisor's list of a machine's manual entries still inside the correction window."""
    context = machine_form(runtime, machine_id, fmt)
    context |= {
        "records": correctable(runtime, machine_id),
        "reasons": machine_reasons(runtime, context["machine"]),
        "states": [s for s in StateClass if s is not StateClass.UNKNOWN],
        "error": error or "",
    }
    return renderer.render(request, "terminal/corrections.html", fmt, context)


@pages.post("/terminal/corrections/{machine_id}")
def save_correction(
    request: Request,
    machine_id: str,
    runtime: RuntimeDep,
    scope: ScopeDep,
    ts_ms: Annotated[int, Form(ge=0, le=MAX_MS)],
    source: Annotated[str, Form(min_length=1, max_length=200)],
    kind: Annotated[str, Form(pattern="^(count|state)$")],
    good: Annotated[int, Form(ge=0, le=10_000_000)] = 0,
    scrap: Annotated[int, Form(ge=0, le=10_000_000)] = 0,
    state: Annotated[StateClass, Form()] = StateClass.RUNNING,
    reason: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """Apply one correction and come back to the list."""
    url = f"{request.scope.get('root_path', '')}/terminal/corrections/{machine_id}"
    ts = from_epoch_ms(ts_ms)
    try:
        if kind == "count":
            correct_count(runtime, scope, machine_id, ts, source, good, scrap)
        else:
            correct_state(runtime, scope, machine_id, ts, source, state, reason or None)
    except InvalidRequestError as err:
        return RedirectResponse(f"{url}?error={err.details.get('reason', 'bad')}", SEE_OTHER)
    return RedirectResponse(f"{url}?saved=1", SEE_OTHER)
