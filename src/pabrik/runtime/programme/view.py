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
from pabrik.storage.accounts import AccountStore, ProgrammeResultRow

DEFAULT_MODEL = "indi40"


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


def _store(service: Assessments) -> AccountStore:
    return service.store


def _scores(row: ProgrammeResultRow) -> tuple[dict[str, float], dict[str, float]]:
    if row.result_json:
        result = result_from_data(json.loads(row.result_json))
        pillars = {p.pillar_id: float(p.score) for p in result.pillars}
        return pillars, {f.field_id: float(f.score) for f in result.fields}
    return json.loads(row.pillars_json or "{}"), json.loads(row.fields_json or "{}")


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
    )


def _with_steps(
    service: Assessments, row: ProgrammeResultRow, result: CompanyResult
) -> CompanyResult:
    """Roadmap steps of a native assessment (imported results carry none)."""
    if row.assessment_id is None:
        return result
    try:
        scoped = service.for_tenant(row.tenant_id, "", "programme", with_plant=False)
        steps = tuple(s.practice_id for s in scoped.roadmap(row.assessment_id).steps)
    except PabrikError:
        return result
    return replace(result, steps=steps)


def results(service: Assessments, model_id: str = DEFAULT_MODEL) -> list[CompanyResult]:
    """Every company's newest result per year under one model, with roadmap steps."""
    rows = [r for r in _store(service).programme_results() if r.model_id == model_id]
    newest = {(r.tenant_id, r.year): r for r in sorted(rows, key=lambda r: (r.year, r.verified))}
    return [_with_steps(service, r, company_result(r)) for r in newest.values()]


def programme_view(service: Assessments, k: int, model_id: str = DEFAULT_MODEL) -> ProgrammeView:
    """The aggregates, every one of them over at least k companies."""
    model = service.registry.get(model_id)
    scale = model.scale_max
    pillars = tuple(p.id for p in model.pillars)
    every = results(service, model_id)
    current = agg.latest(every)
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
    return _neutralise(out.getvalue())


def _neutralise(text: str) -> str:
    """Keep spreadsheet formulas out: a cell starting with = + - @ is prefixed with '."""
    lines = []
    for line in text.splitlines():
        cells = next(csv.reader([line])) if line else []
        safe = [
            "'" + c if c[:1] in "=+@" or (c[:1] == "-" and not _number(c)) else c for c in cells
        ]
        buf = io.StringIO()
        csv.writer(buf, lineterminator="").writerow(safe)
        lines.append(buf.getvalue())
    return "\n".join(lines) + "\n"


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def benchmark_for(service: Assessments, scope: TenantScope, k: int) -> Benchmark | None:
    """The caller's company against anonymised peers; None before it has a result."""
    tenant = scope.require_tenant()
    model = service.registry.get(DEFAULT_MODEL)
    every = agg.latest(results(service))
    own = [r for r in every if r.company == tenant]
    if not own:
        return None
    return agg.benchmark(own[0], every, [p.id for p in model.pillars], k)
