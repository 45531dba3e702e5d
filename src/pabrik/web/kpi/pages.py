"""KPI pages: losses and their Pareto, the cost of losses, and the printable shift report."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from pabrik.model.errors import InvalidRequestError
from pabrik.model.windows import Window
from pabrik.present.formatting import Formatter
from pabrik.present.labels import WINDOW_KEYS, loss_label
from pabrik.present.pdf import html_to_pdf
from pabrik.runtime.app import Runtime
from pabrik.runtime.kpi.loss_report import loss_report
from pabrik.runtime.kpi.shift_report import latest_shift, shift_report
from pabrik.runtime.kpi.views import LossReport, ShiftReport
from pabrik.web.deps import FormatterDep, PageWindowDep, RendererDep, RuntimeDep, window_days
from pabrik.web.kpi import long_views
from pabrik.web.kpi.filters import scope_choices, window_query
from pabrik.web.render import Renderer

pages = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)


def _loss_context(
    request: Request, runtime: Runtime, fmt: Formatter, scope: str, window: Window, page: str
) -> dict[str, Any]:
    report: LossReport = loss_report(runtime.engine, scope, window)
    t = fmt.translator
    chart = {
        "locale": fmt.locale,
        "pareto": [
            {
                "label": loss_label(t, p.code, p.label.get(fmt.locale) if p.label else None),
                "minutes": round(p.ms / 60000, 1),
                "cumulative": round(p.cumulative * 100, 1),
            }
            for p in report.pareto
        ],
        "costs": [
            {
                "line": ln.name.get(fmt.locale),
                "items": [
                    {"key": loss_label(t, i.key, None), "idr": round(float(i.idr))}
                    for i in ln.items
                ],
            }
            for ln in report.lines
        ],
        "words": {
            "minutes": fmt.translator.gettext("kpi.pareto.minutes"),
            "cumulative": fmt.translator.gettext("kpi.pareto.cumulative"),
            "idr": fmt.term("unit.rupiah"),
        },
    }
    root = request.scope.get("root_path", "")
    query = window_query(scope, window)
    return {
        "page": page,
        "report": report,
        "scope": scope,
        "window": window.name.value,
        "windows": list(WINDOW_KEYS),
        "scopes": scope_choices(runtime, fmt),
        "kpi_chart": chart,
        "xlsx_url": f"{root}/api/v1/kpi/export.xlsx?{query}",
        "csv_url": f"{root}/api/v1/kpi/export.csv?{query}",
        "query": query,
    } | window_days(runtime, window)


@pages.get("/kpi/losses")
def losses_page(
    request: Request,
    runtime: RuntimeDep,
    renderer: RendererDep,
    fmt: FormatterDep,
    window: PageWindowDep,
    scope: Annotated[str, Query()] = "plant",
) -> HTMLResponse:
    """Downtime by reason as a Pareto chart and table, and the six big losses in time."""
    context = _loss_context(request, runtime, fmt, scope, window, "kpi_losses")
    return renderer.render(request, "kpi_losses.html", fmt, context)


@pages.get("/kpi/costs")
def costs_page(
    request: Request,
    runtime: RuntimeDep,
    renderer: RendererDep,
    fmt: FormatterDep,
    window: PageWindowDep,
    scope: Annotated[str, Query()] = "plant",
) -> HTMLResponse:
    """The cost of losses in rupiah per line, and what one OEE point is worth."""
    context = _loss_context(request, runtime, fmt, scope, window, "kpi_costs")
    return renderer.render(request, "kpi_costs.html", fmt, context)


def _shift_report(runtime: Runtime, scope: str, day: str | None, shift: str | None) -> ShiftReport:
    if day is None or shift is None:
        production_day, shift_id = latest_shift(runtime.engine)
    else:
        try:
            production_day, shift_id = date.fromisoformat(day), shift
        except ValueError as err:
            raise InvalidRequestError("'day' is not an ISO date", reason="bad_date") from err
    return shift_report(runtime.engine, scope, production_day, shift_id)


def _report_context(
    runtime: Runtime, fmt: Formatter, report: ShiftReport, page: str
) -> dict[str, Any]:
    shifts = [(s.id, s.name.get(fmt.locale)) for s in runtime.plant.calendar.shifts]
    lines = [(ln.id, ln.name.get(fmt.locale)) for ln in runtime.plant.lines()]
    scopes = [("plant", fmt.translator.gettext("kpi.scope.plant")), *lines]
    if report.scope not in {s for s, _ in scopes}:
        scopes.append((report.scope, report.scope_name.get(fmt.locale)))
    return {"page": page, "r": report, "shifts": shifts, "scopes": scopes}


ScopeP = Annotated[str, Query()]
DayP = Annotated[str | None, Query(description="Production day, ISO date")]
ShiftP = Annotated[str | None, Query(description="Shift id")]


@pages.get("/kpi/shift-report")
def shift_report_page(
    request: Request,
    runtime: RuntimeDep,
    renderer: RendererDep,
    fmt: FormatterDep,
    scope: ScopeP = "plant",
    day: DayP = None,
    shift: ShiftP = None,
) -> HTMLResponse:
    """The printable shift report, to be signed by the supervisor."""
    report = _shift_report(runtime, scope, day, shift)
    context = _report_context(runtime, fmt, report, "kpi_report") | {"pdf": False}
    return renderer.render(request, "kpi_shift_report.html", fmt, context)


@pages.get("/kpi/shift-report.pdf", response_class=Response)
def shift_report_pdf(
    request: Request,
    runtime: RuntimeDep,
    renderer: RendererDep,
    fmt: FormatterDep,
    scope: ScopeP = "plant",
    day: DayP = None,
    shift: ShiftP = None,
) -> Response:
    """The same shift report as a PDF (WeasyPrint renders the same template)."""
    report = _shift_report(runtime, scope, day, shift)
    html = render_report_html(renderer, request, fmt, report, runtime)
    name = f"shift-{report.shift_key.replace('/', '-')}.pdf"
    return Response(
        html_to_pdf(html),
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{name}"'},
    )


def render_report_html(
    renderer: Renderer, request: Request, fmt: Formatter, report: ShiftReport, runtime: Runtime
) -> str:
    """The shift report template as HTML text, for printing to PDF."""
    context = _report_context(runtime, fmt, report, "kpi_report") | {"pdf": True}
    response = renderer.render(request, "kpi_shift_report.html", fmt, context)
    return bytes(response.body).decode("utf-8")


# The long view (targets, 12-month trend) is served with the other KPI pages.
pages.include_router(long_views.pages)
