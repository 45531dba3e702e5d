"""Bulk import of assessment results from a programme spreadsheet (CSV or XLSX).

One row per company and year: NIB, KBLI, province, workforce (or size), year, the overall
score, and scores per pillar (``pillar.<id>``) and field (``field.<id>``). Every invalid row is
reported with its reasons; the valid rows are saved together.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction

from openpyxl import load_workbook

from pabrik.assessment.model import AssessmentModel
from pabrik.assessment.scoring import level_of
from pabrik.model.errors import InvalidRequestError
from pabrik.runtime.accounts.tenancy import TenantScope
from pabrik.runtime.assess.service import Assessments
from pabrik.runtime.programme import reference
from pabrik.storage.accounts import AccountStore, AuditLogRow, ProgrammeResultRow, TenantRow

MAX_ROWS = 20000
MAX_BYTES = 20 * 1024 * 1024
FIRST_YEAR, LAST_YEAR = 2018, 2100
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
    if len(data) > MAX_BYTES:
        raise InvalidRequestError("the file is larger than 20 MB", reason="bad_import")
    if filename.lower().endswith(".xlsx"):
        table = list(_xlsx(data))
    elif filename.lower().endswith(".csv"):
        text = data.decode("utf-8-sig", errors="replace")
        table = list(csv.reader(io.StringIO(text)))
    else:
        raise InvalidRequestError("import a .csv or .xlsx file", reason="bad_import")
    if not table:
        raise InvalidRequestError("the file is empty", reason="bad_import")
    if len(table) > MAX_ROWS + 1:
        raise InvalidRequestError(f"at most {MAX_ROWS} rows per file", reason="bad_import")
    header = [_column(h) for h in table[0]]
    return [dict(zip(header, (c.strip() for c in row), strict=False)) for row in table[1:]]


def _column(name: str) -> str:
    key = name.strip().lower().replace(" ", "_")
    return ALIASES.get(key, key)


def _xlsx(data: bytes) -> Iterator[list[str]]:
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as err:
        raise InvalidRequestError("not a readable .xlsx file", reason="bad_import") from err
    try:
        sheet = book.worksheets[0]
        for row in sheet.iter_rows(values_only=True):
            yield ["" if v is None else _cell(v) for v in row]
    finally:
        book.close()


def _cell(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


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


def _year(text: str, reasons: list[str]) -> int:
    if not text.isdigit() or not FIRST_YEAR <= int(text) <= LAST_YEAR:
        reasons.append(f"year: expected {FIRST_YEAR}..{LAST_YEAR}")
        return 0
    return int(text)


def _parse(row: dict[str, str], model: AssessmentModel) -> tuple[_Parsed | None, list[str]]:
    reasons: list[str] = []
    nib = _attribute(reasons, "nib", reference.registration_no, row.get("nib", ""))
    kbli = _attribute(reasons, "kbli", reference.kbli_code, row.get("kbli", ""))
    province = _attribute(reasons, "province", reference.province_name, row.get("province", ""))
    size = _size(row, reasons)
    year = _year(row.get("year", ""), reasons)
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


def import_results(
    service: Assessments, scope: TenantScope, data: bytes, filename: str
) -> ImportReport:
    """Check every row, then save the valid ones (new companies are created by NIB)."""
    store = service.store
    model = service.registry.get("indi40")
    problems: list[RowProblem] = []
    parsed: list[_Parsed] = []
    seen: set[tuple[str, int]] = set()
    for number, row in enumerate(read_rows(data, filename), start=2):
        if not any(row.values()):
            continue
        item, reasons = _parse(row, model)
        if item is not None and (item.nib, item.year) in seen:
            item, reasons = None, ["duplicate: the same NIB and year appear twice"]
        if item is None:
            problems.append(RowProblem(number, tuple(reasons)))
            continue
        seen.add((item.nib, item.year))
        parsed.append(item)
    tenants, rows = _rows(store, parsed, service)
    audit = AuditLogRow(
        None,
        scope.actor,
        "programme.import",
        filename[:200],
        None,
        json.dumps({"rows": len(rows), "new_companies": len(tenants), "refused": len(problems)}),
        service.clock(),
    )
    if rows:
        store.save_programme_results(rows, tenants, scope.actor, audit)
    return ImportReport(len(rows), len(tenants), tuple(problems))


def _rows(
    store: AccountStore, parsed: list[_Parsed], service: Assessments
) -> tuple[list[TenantRow], list[ProgrammeResultRow]]:
    """New tenants for unknown NIBs (existing companies keep their own attributes)."""
    now = service.clock()
    tenants: dict[str, TenantRow] = {}
    rows: list[ProgrammeResultRow] = []
    scale = service.registry.get("indi40").scale_max
    for p in parsed:
        existing = store.tenant_by_registration(p.nib)
        tenant_id = existing.id if existing else f"nib-{p.nib}"
        if existing is None and tenant_id not in tenants:
            tenants[tenant_id] = TenantRow(
                tenant_id, p.name, p.nib, p.kbli, p.province, p.size, "[]", now, now
            )
        level = level_of(Fraction(p.overall).limit_denominator(1000), scale)
        rows.append(
            ProgrammeResultRow(
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
            )
        )
    return list(tenants.values()), rows
