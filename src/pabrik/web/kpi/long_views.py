"""KPI pages of the long view: targets against actuals, and the 12-month OEE trend by week."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from pabrik.runtime.kpi.targets import order_targets, shift_targets
from pabrik.runtime.kpi.trend import WeekPoint, oee_trend
from pabrik.web.deps import FormatterDep, PageWindowDep, RendererDep, RuntimeDep, window_days
from pabrik.web.kpi.filters import scope_choices, window_query

pages = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
ScopeQ = Annotated[str, Query(max_length=64)]
CHART_W, CHART_H = 720, 200


@pages.get("/kpi/targets")
def targets_page(
    request: Request,
    runtime: RuntimeDep,
    renderer: RendererDep,
    fmt: FormatterDep,
    window: PageWindowDep,
    scope: ScopeQ = "plant",
) -> HTMLResponse:
    """Target against actual for each shift of the window and each order that overlaps it."""
    root, query = request.scope.get("root_path", ""), window_query(scope, window)
    context = {
        "page": "kpi_targets",
        "shifts": list(reversed(shift_targets(runtime.engine, scope, window))),
        "orders": order_targets(runtime.engine, scope, window),
        "scope": scope,
        "scopes": scope_choices(runtime, fmt),
        "window": window.name.value,
        "windows": ["shift", "day", "7d", "30d"],
        "xlsx_url": f"{root}/api/v1/kpi/export.xlsx?{query}",
        "csv_url": f"{root}/api/v1/kpi/export.csv?{query}",
    } | window_days(runtime, window)
    return renderer.render(request, "kpi_targets.html", fmt, context)


def trend_line(points: list[WeekPoint]) -> list[dict[str, Any]]:
    """Where each week's OEE sits on the SVG chart (no value: no point)."""
    step = CHART_W / max(len(points) - 1, 1)
    out: list[dict[str, Any]] = []
    for i, p in enumerate(points):
        value = p.view.oee.value
        y = None if value is None else round(CHART_H - float(value) * CHART_H, 1)
        out.append({"x": round(i * step, 1), "y": y, "point": p})
    return out


@pages.get("/kpi/trend")
def trend_page(
    request: Request,
    runtime: RuntimeDep,
    renderer: RendererDep,
    fmt: FormatterDep,
    scope: ScopeQ = "plant",
) -> HTMLResponse:
    """OEE week by week over twelve months, and the machines ranked by OEE over that span."""
    trend = oee_trend(runtime.engine, scope)
    dots = trend_line(trend.weeks)
    path = " ".join(f"{d['x']},{d['y']}" for d in dots if d["y"] is not None)
    context = {
        "page": "kpi_trend",
        "trend": trend,
        "dots": dots,
        "path": path,
        "chart": {"w": CHART_W, "h": CHART_H},
        "scope": scope,
        "scopes": scope_choices(runtime, fmt),
    }
    return renderer.render(request, "kpi_trend.html", fmt, context)
