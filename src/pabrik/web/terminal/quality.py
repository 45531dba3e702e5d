"""The quality-loss Pareto (scrap by reason) as a page, JSON and CSV."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel

from pabrik.runtime.app import Runtime
from pabrik.runtime.terminal.quality import UNEXPLAINED, QualityPareto, quality_csv, quality_pareto
from pabrik.web.deps import (
    FormatterDep,
    PageWindowDep,
    RendererDep,
    RuntimeDep,
    WindowDep,
    window_days,
)
from pabrik.web.kpi.filters import window_query

api = APIRouter(prefix="/api/v1/kpi", tags=["KPI"])
pages = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
ScopeQ = Annotated[str, Query(max_length=64, description="plant, an area, line or machine id")]
WINDOWS = ("shift", "day", "7d", "30d")


class QualityRowPublic(BaseModel):
    """One bar of the Pareto."""

    reason: str
    name: str
    units: int
    share: float


class QualityPublic(BaseModel):
    """Scrap of a scope over a window, split by the reasons operators gave."""

    scope: str
    start: str
    end: str
    scrap: int
    produced: int
    rows: list[QualityRowPublic]


def _names(runtime: Runtime, locale: str, unexplained: str) -> dict[str, str]:
    names = {r.id: r.name.get(locale) for r in runtime.plant.scrap_reasons}
    names[UNEXPLAINED] = unexplained
    return names


def _public(p: QualityPareto, names: dict[str, str]) -> QualityPublic:
    return QualityPublic(
        scope=p.scope,
        start=p.window.start.isoformat(),
        end=p.window.end.isoformat(),
        scrap=p.scrap,
        produced=p.produced,
        rows=[
            QualityRowPublic(
                reason=r.reason,
                name=names.get(r.reason, r.reason),
                units=r.units,
                share=float(r.share),
            )
            for r in p.rows
        ],
    )


@api.get("/quality-losses", summary="Quality-loss Pareto: scrap by reason")
def get_quality(
    runtime: RuntimeDep, window: WindowDep, fmt: FormatterDep, scope: ScopeQ = "plant"
) -> QualityPublic:
    """Scrap units by the reason given at the terminal; the rest is ``unexplained``."""
    names = _names(runtime, fmt.locale, fmt.translator.gettext("terminal.quality.unexplained"))
    return _public(quality_pareto(runtime, scope, window), names)


@api.get("/quality-losses.csv", summary="Quality-loss Pareto as CSV")
def get_quality_csv(
    runtime: RuntimeDep, window: WindowDep, fmt: FormatterDep, scope: ScopeQ = "plant"
) -> Response:
    """The same Pareto as CSV (reason, name, units, share)."""
    names = _names(runtime, fmt.locale, fmt.translator.gettext("terminal.quality.unexplained"))
    text = quality_csv(quality_pareto(runtime, scope, window), names)
    headers = {"Content-Disposition": f'attachment; filename="quality-losses-{scope}.csv"'}
    return Response(text, media_type="text/csv; charset=utf-8", headers=headers)


@pages.get("/kpi/quality-losses")
def quality_page(
    request: Request,
    runtime: RuntimeDep,
    window: PageWindowDep,
    renderer: RendererDep,
    fmt: FormatterDep,
    scope: ScopeQ = "plant",
) -> HTMLResponse:
    """The quality-loss Pareto beside the downtime Pareto."""
    names = _names(runtime, fmt.locale, fmt.translator.gettext("terminal.quality.unexplained"))
    pareto = quality_pareto(runtime, scope, window)
    scopes = [("plant", fmt.translator.gettext("kpi.scope.plant"))]
    scopes += [(ln.id, ln.name.get(fmt.locale)) for ln in runtime.plant.lines()]
    scopes += [(m.id, m.name.get(fmt.locale)) for m in runtime.plant.machines()]
    root, query = request.scope.get("root_path", ""), window_query(scope, window)
    context = {
        "page": "kpi_losses",
        "pareto": pareto,
        "names": names,
        "scope": scope,
        "scopes": scopes,
        "window": window.name.value,
        "windows": WINDOWS,
        "query": query,
        "xlsx_url": f"{root}/api/v1/kpi/export.xlsx?{query}",
        "csv_url": f"{root}/api/v1/kpi/quality-losses.csv?{query}",
    } | window_days(runtime, window)
    return renderer.render(request, "terminal/quality.html", fmt, context)
