"""The programme view (aggregates only), its CSV export and import, and company benchmarking."""

from __future__ import annotations

from typing import Annotated, Any, cast

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile as StarletteUpload

from pabrik.assessment.programme import OTHER, UNKNOWN, Benchmark, Breakdown, GroupStats
from pabrik.model.errors import InvalidRequestError, StoreUnavailableError
from pabrik.present.accounts.labels import reason_text
from pabrik.present.formatting import Formatter
from pabrik.runtime.accounts.tenancy import TenantScope
from pabrik.runtime.assess.service import Assessments
from pabrik.runtime.programme.bulk_import import ImportReport, import_results
from pabrik.runtime.programme.reference import kbli_divisions
from pabrik.runtime.programme.sheets import MAX_BYTES
from pabrik.runtime.programme.view import ProgrammeView, benchmark_for, export_csv, programme_view
from pabrik.web.auth import ScopeDep
from pabrik.web.deps import FormatterDep, RendererDep, web_state
from pabrik.web.schemas import ErrorPublic

api = APIRouter(
    prefix="/api/v1",
    tags=["programme"],
    responses={
        401: {"model": ErrorPublic, "description": "Not logged in"},
        403: {"model": ErrorPublic, "description": "The role may not see the programme"},
        422: {"model": ErrorPublic, "description": "An unreadable spreadsheet"},
    },
)
pages = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
CSV_TYPE = "text/csv; charset=utf-8"


def _source(request: Request) -> Assessments:
    """The assessment store behind the aggregates (never handed out per company)."""
    service = getattr(request.app.state, "assessments", None)
    if service is None:
        raise StoreUnavailableError("this database backend cannot keep assessments yet")
    return cast(Assessments, service)


def _k(request: Request) -> int:
    return web_state(request).settings.k_anonymity


class GroupPublic(BaseModel):
    """Readiness of one group of at least k companies."""

    group: str
    companies: int
    mean: float
    median: float
    share_level_3_plus: float
    levels: list[int]
    merged_groups: int
    """How many groups of fewer than k companies were merged into this one (never which)."""

    @classmethod
    def of(cls, g: GroupStats) -> GroupPublic:
        """From the aggregate."""
        return cls(
            group=g.key,
            companies=g.n,
            mean=round(g.mean, 3),
            median=round(g.median, 3),
            share_level_3_plus=round(g.share_ready, 3),
            levels=list(g.levels),
            merged_groups=len(g.merged),
        )


class BreakdownPublic(BaseModel):
    """Groups along one dimension; small groups merged into 'other' or suppressed."""

    dimension: str
    groups: list[GroupPublic]
    merged_groups: int
    suppressed_companies: int

    @classmethod
    def of(cls, b: Breakdown) -> BreakdownPublic:
        """From the aggregate."""
        return cls(
            dimension=b.dimension,
            groups=[GroupPublic.of(g) for g in b.groups],
            merged_groups=len(b.merged),
            suppressed_companies=b.suppressed,
        )


class ImportSourcePublic(BaseModel):
    """A spreadsheet results came from: its name, who imported it, how many companies."""

    file: str
    imported_by: str
    companies: int


class ProgrammePublic(BaseModel):
    """Aggregates across companies; every number covers at least k of them."""

    k: int
    model: str
    total: GroupPublic | None
    breakdowns: list[BreakdownPublic]
    trend: list[GroupPublic]
    heat_map_rows: list[str]
    heat_map_columns: list[str]
    heat_map: list[list[float | None]]
    common_gaps: dict[str, int]
    common_steps: dict[str, int]
    assessed: int | None
    verified: int | None
    provenance: dict[str, int | None]
    """Companies by where their newest result came from: self_assessed, verified, imported."""
    imports: list[ImportSourcePublic]
    sample: bool = False
    """Whether the demo's invented companies (contoh / sample) are among them."""

    @classmethod
    def of(cls, v: ProgrammeView) -> ProgrammePublic:
        """From the read model."""
        return cls(
            k=v.k,
            model=v.model_id,
            total=GroupPublic.of(v.total) if v.total else None,
            breakdowns=[BreakdownPublic.of(b) for b in v.breakdowns],
            trend=[GroupPublic.of(g) for g in v.trend],
            heat_map_rows=list(v.heat_map.rows),
            heat_map_columns=list(v.heat_map.columns),
            heat_map=[
                [None if c is None else round(c, 3) for c in row] for row in v.heat_map.cells
            ],
            common_gaps={c.item: c.companies for c in v.gaps},
            common_steps={c.item: c.companies for c in v.steps},
            assessed=v.assessed,
            verified=v.verified,
            provenance=dict(v.provenance),
            sample=v.sample,
            imports=[
                ImportSourcePublic(file=i.file, imported_by=i.imported_by, companies=i.companies)
                for i in v.imports
            ],
        )


class RowProblemPublic(BaseModel):
    """A refused spreadsheet row (the header is row 1) and why."""

    row: int
    reasons: list[str]


class ImportPublic(BaseModel):
    """What an import saved and refused."""

    accepted: int
    new_companies: int
    conflicts: int
    """Rows refused because the company has its own results or its id is taken."""
    problems: list[RowProblemPublic]

    @classmethod
    def of(cls, r: ImportReport) -> ImportPublic:
        """From the report."""
        return cls(
            accepted=r.accepted,
            new_companies=r.new_companies,
            conflicts=r.conflicts,
            problems=[RowProblemPublic(row=p.row, reasons=list(p.reasons)) for p in r.problems],
        )


class BenchmarkPublic(BaseModel):
    """The company's scores against percentiles (25, 50, 75) of at least k anonymous peers."""

    peers: str | None
    peer_companies: int
    overall: float | None
    overall_percentiles: dict[str, float]
    pillars: dict[str, float]
    pillar_percentiles: dict[str, dict[str, float]]

    @classmethod
    def of(cls, b: Benchmark | None) -> BenchmarkPublic:
        """From the read model (None before the company has a result)."""
        if b is None:
            return cls(
                peers=None,
                peer_companies=0,
                overall=None,
                overall_percentiles={},
                pillars={},
                pillar_percentiles={},
            )
        return cls(
            peers=b.peers,
            peer_companies=b.n,
            overall=round(b.overall, 3),
            overall_percentiles={f"p{k}": round(v, 3) for k, v in b.overall_pct.items()},
            pillars={k: round(v, 3) for k, v in b.pillars.items()},
            pillar_percentiles={
                p: {f"p{k}": round(v, 3) for k, v in pct.items()} for p, pct in b.pillar_pct.items()
            },
        )


def _csv(view: ProgrammeView) -> Response:
    return Response(
        export_csv(view),
        media_type=CSV_TYPE,
        headers={
            "Content-Disposition": 'attachment; filename="programme.csv"',
            "X-Content-Type-Options": "nosniff",
        },
    )


async def _upload(file: StarletteUpload) -> tuple[bytes, str]:
    data = await file.read(MAX_BYTES + 1)
    return data, file.filename or "upload.csv"


async def _import(request: Request, scope: TenantScope, data: bytes, name: str) -> ImportReport:
    """Run the import in a worker thread, so the event loop keeps answering (/healthz)."""
    return await run_in_threadpool(import_results, _source(request), scope, data, name)


@api.get("/programme", summary="Readiness across companies (k-anonymous)")
def get_programme(request: Request) -> ProgrammePublic:
    """By sector, province and size; trend, heat map, common gaps and roadmap steps."""
    return ProgrammePublic.of(programme_view(_source(request), _k(request)))


@api.get(
    "/programme/export.csv",
    summary="Programme aggregates as CSV",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
)
def get_programme_csv(request: Request) -> Response:
    """The same aggregates as CSV; no row covers fewer than k companies."""
    return _csv(programme_view(_source(request), _k(request)))


@api.post("/programme/import", summary="Import results from a spreadsheet")
async def post_programme_import(
    request: Request, scope: ScopeDep, file: Annotated[UploadFile, File()]
) -> ImportPublic:
    """One row per company and year (.csv or .xlsx); refused rows are listed with reasons."""
    data, name = await _upload(file)
    return ImportPublic.of(await _import(request, scope, data, name))


@api.get("/benchmark", summary="My company against its sector")
def get_benchmark(request: Request, scope: ScopeDep) -> BenchmarkPublic:
    """Own scores against anonymised sector percentiles (all companies if the sector is small)."""
    return BenchmarkPublic.of(benchmark_for(_source(request), scope, _k(request)))


def _labels(fmt: Formatter) -> dict[str, dict[str, str]]:
    sectors = {code: names.get(fmt.locale, names["id"]) for code, names in kbli_divisions().items()}
    sizes = {s: fmt.translator.gettext(f"acct.size.{s}") for s in ("small", "medium", "large")}
    common = {
        OTHER: fmt.translator.gettext("acct.programme.other"),
        UNKNOWN: fmt.translator.gettext("acct.programme.unknown"),
    }
    return {"sector": sectors | common, "province": common, "size": sizes | common}


def _page(
    request: Request,
    renderer: RendererDep,
    fmt: Formatter,
    *,
    report: ImportReport | None = None,
    error: str = "",
    status: int = 200,
) -> HTMLResponse:
    service = _source(request)
    view = programme_view(service, _k(request))
    labels = _labels(fmt)
    model = service.registry.get(view.model_id)
    pillar_names = {p.id: p.name.get(fmt.locale) for p in model.pillars}
    field_names = {f.id: f.name.get(fmt.locale) for f in model.fields()}
    practice_names = {p.id: p.name.get(fmt.locale) for p in service.catalogue.practices}
    chart: dict[str, Any] = {
        "rows": [labels["sector"].get(r, r) for r in view.heat_map.rows],
        "columns": [pillar_names.get(c, c) for c in view.heat_map.columns],
        "cells": [
            [x, y, None if c is None else round(c, 2)]
            for y, row in enumerate(view.heat_map.cells)
            for x, c in enumerate(row)
        ],
        "max": model.scale_max,
        "trend": [[g.key, round(g.mean, 3)] for g in view.trend],
    }
    context = {
        "view": view,
        "labels": labels,
        "pillar_names": pillar_names,
        "field_names": field_names,
        "practice_names": practice_names,
        "chart_config": chart,
        "report": report,
        "error": error,
        "page": "programme",
    }
    return renderer.render(request, "accounts/programme.html", fmt, context, status_code=status)


@pages.get("/programme")
def programme_page(request: Request, renderer: RendererDep, fmt: FormatterDep) -> HTMLResponse:
    """The analyst's page: aggregates only, groups under k merged or suppressed."""
    return _page(request, renderer, fmt)


@pages.get("/programme/export.csv")
def programme_csv(request: Request) -> Response:
    """The page's aggregates as CSV."""
    return _csv(programme_view(_source(request), _k(request)))


@pages.post("/programme/import")
async def programme_import(
    request: Request, scope: ScopeDep, renderer: RendererDep, fmt: FormatterDep
) -> HTMLResponse:
    """Import a spreadsheet and show what was saved and refused."""
    async with request.form(max_part_size=MAX_BYTES + 1) as form:
        upload = form.get("file")
        if not isinstance(upload, StarletteUpload) or not upload.filename:
            message = reason_text(fmt.translator, "bad_import")
            return _page(request, renderer, fmt, error=message, status=422)
        data, name = await _upload(upload)
    try:
        report = await _import(request, scope, data, name)
    except InvalidRequestError as err:
        message = reason_text(fmt.translator, err.details.get("reason"))
        return _page(request, renderer, fmt, error=message, status=422)
    return _page(request, renderer, fmt, report=report)


@pages.get("/benchmark")
def benchmark_page(
    request: Request, scope: ScopeDep, renderer: RendererDep, fmt: FormatterDep
) -> HTMLResponse:
    """The company's scores against anonymised peers."""
    service = _source(request)
    model = service.registry.get("indi40")
    context = {
        "bench": benchmark_for(service, scope, _k(request)),
        "pillar_names": {p.id: p.name.get(fmt.locale) for p in model.pillars},
        "k": _k(request),
        "page": "assess",
    }
    return renderer.render(request, "accounts/benchmark.html", fmt, context)
