"""Bulk import of assessment results from a programme spreadsheet (CSV or XLSX).

One row per company and year: NIB, KBLI, province, workforce (or size), year, the overall
score, and scores per pillar (``pillar.<id>``) and field (``field.<id>``). Every invalid row is
reported with its reasons; the valid rows are saved together, each with its provenance (who
imported it, from which file). A row never touches a company that has its own results in
pabrik or has shared them with the programme, and never changes an existing company; such rows
are refused as conflicts. Every import
is audited (docs/security.md).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from pabrik.assessment.model import AssessmentModel
from pabrik.assessment.scoring import level_of
from pabrik.model.errors import InvalidRequestError
from pabrik.runtime.accounts.tenancy import TenantScope
from pabrik.runtime.assess.service import Assessments
from pabrik.runtime.programme import reference
from pabrik.runtime.programme.sheets import table_rows
from pabrik.storage.accounts import AccountStore, AuditLogRow, ProgrammeResultRow, TenantRow

FIRST_YEAR = 2015
OWN_RESULTS = "conflict: the company has its own results in pabrik; an import never replaces them"
TAKEN_ID = "conflict: the company id {id} belongs to another company; an import never renames it"
ALIASES = {
    "nib": "nib",
    "registration_no": "nib",
    "kbli": "kbli",
    "province": "province",
    "provinsi": "province",
    "workforce": "workforce",
    "tenaga_kerja": "workforce",
    "size": "size",
    "year": "year",
    "tahun": "year",
    "model": "model",
    "overall": "overall",
    "nilai_indi": "overall",
    "verified": "verified",
    "terverifikasi": "verified",
    "name": "name",
    "nama_perusahaan": "name",
}
YES = {"1", "yes", "ya", "true", "y"}
NO = {"", "0", "no", "tidak", "false", "n"}


@dataclass(frozen=True, slots=True)
class RowProblem:
    """Why one row (numbered as in the spreadsheet, header = 1) was refused."""

    row: int
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ImportReport:
    """How many rows were saved, how many companies are new, and every refused row."""

    accepted: int
    new_companies: int
    problems: tuple[RowProblem, ...]
    conflicts: int = 0
    """Refused rows for companies that have their own results or whose id is taken."""


@dataclass(frozen=True, slots=True)
class _Parsed:
    nib: str
    name: str
    kbli: str
    province: str
    size: str
    year: int
    model: str
    overall: float
    pillars: dict[str, float]
    fields: dict[str, float]
    verified: bool


def read_rows(data: bytes, filename: str) -> list[dict[str, str]]:
    """The rows of a .csv or .xlsx file as dicts keyed by normalised header."""
    return list(_records(table_rows(data, filename)))


def _records(rows: Iterable[list[str]]) -> Iterable[dict[str, str]]:
    iterator = iter(rows)
    first = next(iterator, None)
    if first is None:
        raise InvalidRequestError("the file is empty", reason="bad_import")
    header = [_column(h) for h in first]
    for row in iterator:
        yield dict(zip(header, (c.strip() for c in row), strict=False))


def _column(name: str) -> str:
    key = name.strip().lower().replace(" ", "_")
    return ALIASES.get(key, key)


def _score(text: str, scale_max: int, name: str, reasons: list[str]) -> float | None:
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        reasons.append(f"{name}: not a number")
        return None
    if not 0 <= value <= scale_max:
        reasons.append(f"{name}: outside 0..{scale_max}")
        return None
    return value


def _attribute(reasons: list[str], name: str, check: object, text: str) -> str:
    try:
        return str(check(text))  # type: ignore[operator]
    except InvalidRequestError:
        reasons.append(f"{name}: {text[:40]!r} is not valid")
        return ""


def _size(row: dict[str, str], reasons: list[str]) -> str:
    if row.get("workforce"):
        if not row["workforce"].isdigit():
            reasons.append("workforce: not a whole number")
            return ""
        return reference.size_of_workforce(int(row["workforce"]))
    return _attribute(reasons, "size", reference.size_class, row.get("size", ""))


def _year(text: str, last: int, reasons: list[str]) -> int:
    if not text.isdigit() or not FIRST_YEAR <= int(text) <= last:
        reasons.append(f"year: expected {FIRST_YEAR}..{last}")
        return 0
    return int(text)


def _parse(
    row: dict[str, str], model: AssessmentModel, last_year: int
) -> tuple[_Parsed | None, list[str]]:
    reasons: list[str] = []
    nib = _attribute(reasons, "nib", reference.registration_no, row.get("nib", ""))
    kbli = _attribute(reasons, "kbli", reference.kbli_code, row.get("kbli", ""))
    province = _attribute(reasons, "province", reference.province_name, row.get("province", ""))
    size = _size(row, reasons)
    year = _year(row.get("year", ""), last_year, reasons)
    if (row.get("model") or model.id) != model.id:
        reasons.append(f"model: only {model.id} results are imported")
    overall = _score(row.get("overall", ""), model.scale_max, "overall", reasons)
    pillars = _group(row, "pillar.", {p.id for p in model.pillars}, model.scale_max, reasons)
    fields = _group(row, "field.", {f.id for f in model.fields()}, model.scale_max, reasons)
    verified_text = row.get("verified", "").lower()
    if verified_text not in YES | NO:
        reasons.append("verified: expected yes or no")
    if reasons or overall is None:
        return None, reasons
    name = row.get("name", "").strip()[:200] or f"NIB {nib}"
    parsed = _Parsed(
        nib,
        name,
        kbli,
        province,
        size,
        year,
        model.id,
        overall,
        pillars,
        fields,
        verified_text in YES,
    )
    return parsed, []


def _group(
    row: dict[str, str], prefix: str, known: set[str], scale_max: int, reasons: list[str]
) -> dict[str, float]:
    scores: dict[str, float] = {}
    for key, text in row.items():
        if not key.startswith(prefix) or text == "":
            continue
        ident = key.removeprefix(prefix)
        if ident not in known:
            reasons.append(f"{key}: unknown in this model")
            continue
        value = _score(text, scale_max, key, reasons)
        if value is not None:
            scores[ident] = value
    return scores


def _check(
    rows: Iterable[dict[str, str]], model: AssessmentModel, last_year: int
) -> tuple[list[tuple[int, _Parsed]], list[RowProblem]]:
    """Valid rows with their numbers, and every refused row with its reasons."""
    problems: list[RowProblem] = []
    parsed: list[tuple[int, _Parsed]] = []
    seen: set[tuple[str, int]] = set()
    for number, row in enumerate(rows, start=2):
        if not any(row.values()):
            continue
        item, reasons = _parse(row, model, last_year)
        if item is not None and (item.nib, item.year) in seen:
            item, reasons = None, ["duplicate: the same NIB and year appear twice"]
        if item is None:
            problems.append(RowProblem(number, tuple(reasons)))
            continue
        seen.add((item.nib, item.year))
        parsed.append((number, item))
    return parsed, problems


def import_results(
    service: Assessments, scope: TenantScope, data: bytes, filename: str
) -> ImportReport:
    """Check every row, then save the valid ones (new companies are created by NIB)."""
    store = service.store
    model = service.registry.get("indi40")
    source = filename[:200]
    rows = _records(table_rows(data, filename))
    parsed, problems = _check(rows, model, service.clock().year)
    tenants, results, conflicts = _rows(store, parsed, service, source)
    problems = sorted([*problems, *conflicts], key=lambda p: p.row)
    counts = {
        "file": source,
        "rows": len(results),
        "new_companies": len(tenants),
        "refused": len(problems),
        "conflicts": len(conflicts),
    }
    audit = AuditLogRow(
        None, scope.actor, "programme.import", source, None, json.dumps(counts), service.clock()
    )
    store.save_programme_results(results, tenants, scope.actor, audit)
    return ImportReport(len(results), len(tenants), tuple(problems), len(conflicts))


def _conflict(store: AccountStore, nib: str, own: set[str]) -> tuple[str | None, str]:
    """The tenant a row goes to, or None and why it may not go anywhere."""
    existing = store.tenant_by_registration(nib)
    if existing is not None:
        return (None, OWN_RESULTS) if existing.id in own else (existing.id, "")
    tenant_id = f"nib-{nib}"
    if store.tenant(tenant_id) is not None:
        return None, TAKEN_ID.format(id=tenant_id)
    return tenant_id, ""


def _rows(
    store: AccountStore, parsed: list[tuple[int, _Parsed]], service: Assessments, source: str
) -> tuple[list[TenantRow], list[ProgrammeResultRow], list[RowProblem]]:
    """New tenants for unknown NIBs (existing companies are never changed), and conflicts."""
    now = service.clock()
    own = {r.tenant_id for r in store.programme_results() if r.source == "native"}
    own |= {r.tenant_id for r in service.store.shared_results()}  # shared results win too
    tenants: dict[str, TenantRow] = {}
    rows: list[ProgrammeResultRow] = []
    conflicts: list[RowProblem] = []
    scale = service.registry.get("indi40").scale_max
    for number, p in parsed:
        tenant_id, why = _conflict(store, p.nib, own)
        if tenant_id is None:
            conflicts.append(RowProblem(number, (why,)))
            continue
        if tenant_id == f"nib-{p.nib}" and store.tenant(tenant_id) is None:
            tenants.setdefault(
                tenant_id,
                TenantRow(tenant_id, p.name, p.nib, p.kbli, p.province, p.size, "[]", now, now),
            )
        level = level_of(Fraction(p.overall).limit_denominator(1000), scale)
        rows.append(_result(tenant_id, p, level, source))
    return list(tenants.values()), rows, conflicts


def _result(tenant_id: str, p: _Parsed, level: int, source: str) -> ProgrammeResultRow:
    return ProgrammeResultRow(
        tenant_id,
        p.year,
        p.model,
        p.overall,
        level,
        json.dumps(p.pillars),
        json.dumps(p.fields),
        p.verified,
        p.kbli,
        p.province,
        p.size,
        "import",
        registration_no=p.nib,
        source_file=source,
    )
