"""Alarm pages: the banner, the active list with its buttons, history, and the report."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response

from pabrik.alarms.definitions import Priority
from pabrik.alarms.states import (
    NEEDS_ATTENTION,
    Acknowledge,
    Event,
    RemoveFromService,
    ReturnToService,
    Shelve,
    Unshelve,
)
from pabrik.present.alarms.report import performance_csv
from pabrik.present.pdf import html_to_pdf
from pabrik.runtime.alarms import queries
from pabrik.web.auth import ScopeDep
from pabrik.web.deps import FormatterDep, RendererDep, RuntimeDep, parse_instant

pages = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
SEE_OTHER = 303
EVENTS = ("activate", "clear", "acknowledge", "shelve", "unshelve", "expire", "suppress",
          "release", "remove", "restore")  # fmt: skip
Comment = Annotated[str, Form(max_length=500)]
Key = Annotated[str, Form(min_length=3, max_length=130)]


def _period(
    runtime: RuntimeDep, start: str | None, end: str | None, default: timedelta
) -> tuple[datetime, datetime]:
    finish = queries.until_now(runtime.now()) if not end else parse_instant(end, "to")
    begin = finish - default if not start else parse_instant(start, "from")
    return begin, finish


@pages.get("/partials/alarms/banner")
def banner(
    request: Request, runtime: RuntimeDep, renderer: RendererDep, fmt: FormatterDep
) -> HTMLResponse:
    """Counts of alarms needing attention, by priority, for the top of every page."""
    counts = queries.counts(runtime.alarms)
    context = {"counts": counts, "total": sum(counts.values())}
    return renderer.render(request, "alarms/_banner.html", fmt, context)


@pages.get("/partials/machines/{machine_id}/alarms")
def machine_alarms(
    request: Request, machine_id: str, runtime: RuntimeDep, renderer: RendererDep, fmt: FormatterDep
) -> HTMLResponse:
    """One machine's alarms, for its page."""
    if runtime.plant.machine(machine_id) is None:
        return HTMLResponse("", status_code=404)
    items = queries.alarms(runtime.alarms, machine_id)
    context = {"items": items, "now": runtime.now(), "compact": True}
    return renderer.render(request, "alarms/_table.html", fmt, context)


@pages.get("/alarms")
def alarm_list(
    request: Request, runtime: RuntimeDep, renderer: RendererDep, fmt: FormatterDep
) -> HTMLResponse:
    """Alarms that need attention, then the hidden ones, with acknowledge and shelve buttons."""
    items = queries.alarms(runtime.alarms)
    context = {
        "attention": [a for a in items if a.state in NEEDS_ATTENTION],
        "hidden": [a for a in items if a.state not in NEEDS_ATTENTION and a.state != "normal"],
        "now": runtime.now(),
        "page": "alarms",
    }
    return renderer.render(request, "alarms/list.html", fmt, context)


def _back(request: Request) -> RedirectResponse:
    root = request.scope.get("root_path", "")
    return RedirectResponse(f"{root}/alarms", SEE_OTHER)


@pages.post("/alarms/acknowledge")
def acknowledge(
    request: Request, runtime: RuntimeDep, scope: ScopeDep, key: Key, comment: Comment = ""
) -> Response:
    """Acknowledge (and reset, when latched) one alarm."""
    event = Acknowledge(runtime.now(), scope.actor, comment.strip() or None)
    runtime.alarms.act(key, event, scope.actor)
    return _back(request)


@pages.post("/alarms/shelve")
def shelve(
    request: Request,
    runtime: RuntimeDep,
    scope: ScopeDep,
    key: Key,
    reason: Annotated[str, Form(min_length=1, max_length=500)],
    minutes: Annotated[float, Form(gt=0, le=7 * 24 * 60)] = 60,
    one_shot: Annotated[bool, Form()] = False,
) -> Response:
    """Shelve one alarm for a while (never past the site's longest shelf)."""
    now = runtime.now()
    until = runtime.alarms.shelve_until(now, minutes)
    event = Shelve(now, scope.actor, reason.strip(), until, one_shot)
    runtime.alarms.act(key, event, scope.actor)
    return _back(request)


@pages.post("/alarms/unshelve")
def unshelve(request: Request, runtime: RuntimeDep, scope: ScopeDep, key: Key) -> Response:
    """Take one alarm off the shelf early."""
    event = Unshelve(runtime.now(), scope.actor)
    runtime.alarms.act(key, event, scope.actor)
    return _back(request)


@pages.post("/alarms/service")
def service(
    request: Request,
    runtime: RuntimeDep,
    scope: ScopeDep,
    key: Key,
    action: Annotated[Literal["remove", "restore"], Form()],
    note: Comment = "",
) -> Response:
    """Take one alarm out of service for maintenance, or put it back."""
    now = runtime.now()
    event: Event = (
        RemoveFromService(now, scope.actor, note.strip() or "-")
        if action == "remove"
        else ReturnToService(now, scope.actor)
    )
    runtime.alarms.act(key, event, scope.actor)
    return _back(request)


@pages.get("/alarms/history")
def history_page(
    request: Request,
    runtime: RuntimeDep,
    renderer: RendererDep,
    fmt: FormatterDep,
    machine: str | None = None,
    priority: Priority | None = None,
    event: str | None = None,
) -> HTMLResponse:
    """Recorded transitions, newest first, filtered by machine, priority and event."""
    q = request.query_params
    begin, finish = _period(runtime, q.get("from"), q.get("to"), timedelta(days=1))
    query = queries.HistoryQuery(
        begin, finish, machine or None, None, priority.value if priority else None,
        event if event in EVENTS else None,
    )  # fmt: skip
    context = {
        "rows": queries.history(runtime.alarms, query),
        "query": query,
        "machines": runtime.plant.machines(),
        "priorities": list(Priority),
        "events": EVENTS,
        "page": "alarms",
    }
    return renderer.render(request, "alarms/history.html", fmt, context)


@pages.get("/alarms/report")
def report_page(
    request: Request, runtime: RuntimeDep, renderer: RendererDep, fmt: FormatterDep
) -> HTMLResponse:
    """The alarm-performance figures of a period (default: the last 24 hours)."""
    q = request.query_params
    begin, finish = _period(runtime, q.get("from"), q.get("to"), timedelta(days=1))
    context = {
        "report": queries.report(runtime.alarms, begin, finish),
        "priorities": list(Priority),
        "page": "alarms",
    }
    return renderer.render(request, "alarms/report.html", fmt, context)


@pages.get("/alarms/report.pdf", response_class=Response)
def report_pdf(
    request: Request, runtime: RuntimeDep, renderer: RendererDep, fmt: FormatterDep
) -> Response:
    """The same report as a PDF (WeasyPrint, nothing fetched from outside)."""
    q = request.query_params
    begin, finish = _period(runtime, q.get("from"), q.get("to"), timedelta(days=1))
    context = {
        "report": queries.report(runtime.alarms, begin, finish),
        "priorities": list(Priority),
    }
    page = renderer.render(request, "alarms/report_print.html", fmt, context)
    pdf = html_to_pdf(bytes(page.body).decode("utf-8"))
    headers = {"Content-Disposition": 'inline; filename="alarm-performance.pdf"'}
    return Response(pdf, media_type="application/pdf", headers=headers)


@pages.get("/alarms/report.csv")
def report_csv(request: Request, runtime: RuntimeDep, fmt: FormatterDep) -> PlainTextResponse:
    """The same report as CSV."""
    q = request.query_params
    begin, finish = _period(runtime, q.get("from"), q.get("to"), timedelta(days=1))
    text = performance_csv(queries.report(runtime.alarms, begin, finish), fmt.translator)
    headers = {"Content-Disposition": 'attachment; filename="alarm-performance.csv"'}
    return PlainTextResponse(text, media_type="text/csv; charset=utf-8", headers=headers)
