"""The programme view: readiness across companies by sector, province and size (k-anonymous)."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, replace
from datetime import datetime

from pabrik.assessment import programme as agg
from pabrik.assessment.programme import Benchmark, Breakdown, CompanyResult, Counted, GroupStats
from pabrik.model.errors import PabrikError
from pabrik.runtime.accounts.tenancy import TenantScope
from pabrik.runtime.assess.codec import result_from_data
from pabrik.runtime.assess.service import Assessments
from pabrik.runtime.demo.programme import LABEL as SAMPLE_LABEL
from pabrik.runtime.demo.programme import PREFIX as SAMPLE_PREFIX
from pabrik.runtime.exports import safe_csv
from pabrik.runtime.programme.shared import shared_rows
from pabrik.storage.accounts import AccountStore, ProgrammeResultRow

DEFAULT_MODEL = "indi40"
PROVENANCES = ("self_assessed", "verified", "imported")


@dataclass(frozen=True, slots=True)
class ImportSource:
    """One imported file: who imported it and how many companies' newest results it holds."""

    file: str
    imported_by: str
    companies: int


@dataclass(frozen=True, slots=True)
class ProgrammeView:
    """Everything the analyst sees; no company is named or singled out."""

    k: int
    model_id: str
    pillars: tuple[str, ...]
    total: GroupStats | None
    breakdowns: tuple[Breakdown, ...]
    trend: tuple[GroupStats, ...]
    heat_map: agg.HeatMap
    gaps: tuple[Counted, ...]
    steps: tuple[Counted, ...]
    assessed: int | None
    verified: int | None
    generated_at: datetime
    provenance: dict[str, int | None]
    """Companies by where their newest result came from (each count 0 or at least k)."""
    imports: tuple[ImportSource, ...] = ()
    sample: bool = False
    """Whether the demo's invented companies are among them (labelled contoh / sample)."""


def _store(service: Assessments) -> AccountStore:
    return service.store


def _scores(row: ProgrammeResultRow) -> tuple[dict[str, float], dict[str, float]]:
    if row.result_json:
        result = result_from_data(json.loads(row.result_json))
        pillars = {p.pillar_id: float(p.score) for p in result.pillars}
        return pillars, {f.field_id: float(f.score) for f in result.fields}
    return json.loads(row.pillars_json or "{}"), json.loads(row.fields_json or "{}")


def provenance(row: ProgrammeResultRow) -> str:
    """Self-assessed or verified (in pabrik, or shared), or imported (by whom, from a file)."""
    if row.source == "import":
        return "imported"
    return "verified" if row.verified else "self_assessed"


def company_result(row: ProgrammeResultRow) -> CompanyResult:
    """A stored result as the pure aggregation's input; the tenant id stays an opaque key."""
    pillars, fields = _scores(row)
    return CompanyResult(
        company=row.tenant_id,
        year=row.year,
        sector=row.kbli[:2] if row.kbli else agg.UNKNOWN,
        province=row.province or agg.UNKNOWN,
        size=row.size,
        overall=row.overall,
        level=row.level,
        pillars=pillars,
        fields=fields,
        verified=row.verified,
        gaps=tuple(sorted(f for f, score in fields.items() if score < agg.READY_LEVEL)),
        imported=row.source == "import",
        registered=bool(row.registration_no),
    )


def _with_steps(
    service: Assessments, row: ProgrammeResultRow, result: CompanyResult
) -> CompanyResult:
    """Roadmap steps of a native or shared assessment (imported results carry none)."""
    if row.source == "shared":
        return replace(result, steps=tuple(json.loads(row.steps_json or "[]")))
    if row.assessment_id is None:
        return result
    try:
        scoped = service.for_tenant(row.tenant_id, "", "programme", with_plant=False)
        steps = tuple(s.practice_id for s in scoped.roadmap(row.assessment_id).steps)
    except PabrikError:
        return result
    return replace(result, steps=steps)


def result_rows(service: Assessments, model_id: str = DEFAULT_MODEL) -> list[ProgrammeResultRow]:
    """Each company's newest row per year; its own or shared results hide every imported one."""
    every = [*_store(service).programme_results(), *shared_rows(service)]
    rows = [r for r in every if r.model_id == model_id]
    own = {r.tenant_id for r in rows if r.source != "import"}
    rows = [r for r in rows if r.source != "import" or r.tenant_id not in own]
    newest = {(r.tenant_id, r.year): r for r in sorted(rows, key=lambda r: (r.year, r.verified))}
    return list(newest.values())


def results(service: Assessments, model_id: str = DEFAULT_MODEL) -> list[CompanyResult]:
    """Every company's newest result per year under one model, with roadmap steps."""
    return [_with_steps(service, r, company_result(r)) for r in result_rows(service, model_id)]


def _provenance(
    rows: list[ProgrammeResultRow], current: list[CompanyResult], k: int
) -> tuple[dict[str, int | None], tuple[ImportSource, ...]]:
    """Companies by the provenance of their newest result, and the files imported ones came from."""
    by_key = {(r.tenant_id, r.year): r for r in rows}
    newest = [by_key[(c.company, c.year)] for c in current if (c.company, c.year) in by_key]
    counts = {p: sum(1 for r in newest if provenance(r) == p) for p in PROVENANCES}
    files: dict[tuple[str, str], set[str]] = {}
    for r in newest:
        if r.source == "import":
            files.setdefault((r.source_file, r.imported_by), set()).add(r.tenant_id)
    sources = tuple(ImportSource(f, by, len(ts)) for (f, by), ts in sorted(files.items()))
    return {p: agg.shown_count(n, k) for p, n in counts.items()}, sources


def programme_view(service: Assessments, k: int, model_id: str = DEFAULT_MODEL) -> ProgrammeView:
    """The aggregates, every one of them over at least k companies."""
    model = service.registry.get(model_id)
    scale = model.scale_max
    pillars = tuple(p.id for p in model.pillars)
    rows = result_rows(service, model_id)
    every = [_with_steps(service, r, company_result(r)) for r in rows]
    current = agg.latest(every)
    counts, sources = _provenance(rows, current, k)
    dims = (
        ("sector", lambda r: r.sector),
        ("province", lambda r: r.province),
        ("size", lambda r: r.size),
    )
    return ProgrammeView(
        k=k,
        model_id=model_id,
        pillars=pillars,
        total=agg.total(current, k, scale),
        breakdowns=tuple(agg.breakdown(current, name, key, k, scale) for name, key in dims),
        trend=tuple(agg.trend(every, k, scale)),
        heat_map=agg.heat_map(current, pillars, k),
        gaps=tuple(agg.most_common(current, lambda r: r.gaps, k)),
        steps=tuple(agg.most_common(current, lambda r: r.steps, k)),
        assessed=agg.shown_count(len(current), k),
        verified=agg.shown_count(sum(1 for r in current if r.verified), k),
        generated_at=service.clock(),
        provenance=counts,
        imports=sources,
        sample=any(r.tenant_id.startswith(SAMPLE_PREFIX) for r in rows),
    )


def _fmt(value: float) -> str:
    return f"{value:.3f}"


def export_csv(view: ProgrammeView) -> str:
    """The aggregates as CSV: the same cells as the page, nothing below k."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(
        [
            "section",
            "group",
            "companies",
            "mean",
            "median",
            "share_level_3_plus",
            *[f"level_{i}" for i in range(len(view.total.levels) if view.total else 5)],
        ]
    )
    groups: list[tuple[str, GroupStats]] = [("all", view.total)] if view.total else []
    groups += [(b.dimension, g) for b in view.breakdowns for g in b.groups]
    groups += [("year", g) for g in view.trend]
    for section, g in groups:
        w.writerow(
            [section, g.key, g.n, _fmt(g.mean), _fmt(g.median), _fmt(g.share_ready), *g.levels]
        )
    w.writerow([])
    w.writerow(["heat_map", "sector", "companies", *view.heat_map.columns])
    for row, n, cells in zip(
        view.heat_map.rows, view.heat_map.counts, view.heat_map.cells, strict=True
    ):
        w.writerow(["heat_map", row, n, *["" if c is None else _fmt(c) for c in cells]])
    w.writerow([])
    w.writerow(["ranking", "item", "companies"])
    w.writerows(("gap", c.item, c.companies) for c in view.gaps)
    w.writerows(("roadmap_step", c.item, c.companies) for c in view.steps)
    w.writerow([])
    w.writerow(["provenance", "source", "companies", "imported_by"])
    w.writerows(("provenance", p, "" if n is None else n, "") for p, n in view.provenance.items())
    w.writerows(("import", i.file, i.companies, i.imported_by) for i in view.imports)
    if view.sample:
        w.writerow([])
        w.writerow(["note", SAMPLE_LABEL])
    return safe_csv(out.getvalue())


def benchmark_for(service: Assessments, scope: TenantScope, k: int) -> Benchmark | None:
    """The caller's company against anonymised peers; None before it has a result."""
    tenant = scope.require_tenant()
    model = service.registry.get(DEFAULT_MODEL)
    every = agg.latest(results(service))
    own = [r for r in every if r.company == tenant]
    if not own:
        return None
    return agg.benchmark(own[0], every, [p.id for p in model.pillars], k)
