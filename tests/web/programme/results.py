"""Programme results: sixteen made-up companies to import (a CSV's lines), companies of our own
that assess themselves in pabrik, and spreadsheets to import."""

from __future__ import annotations

import io
import zipfile

from openpyxl import Workbook

from pabrik.runtime.accounts.service import Accounts
from pabrik.runtime.app import Runtime
from pabrik.runtime.assess.service import build_assessments
from tests.assessment.answers import uniform

HEADER = "nib,name,kbli,province,workforce,year,overall,pillar.management,field.investment,verified"


def rows() -> list[str]:
    """Plastics 4 (+ the other company), chemicals 6, food 4, textiles 1."""
    out: list[str] = []
    n = 0

    def add(kbli: str, province: str, overall: float, year: int = 2024) -> None:
        nonlocal n
        n += 1
        nib = f"{9200000000000 + n}"
        out.append(
            f"{nib},PT Rahasia {n},{kbli},{province},{20 + n},{year},{overall},"
            f"{overall},{max(overall - 1, 0)},ya"
        )

    for score in (2.0, 2.5, 3.1, 3.4):
        add("22220", "Jawa Barat", score)
    for score in (1.5, 1.8, 2.2, 2.6, 3.0, 3.3):
        add("20111", "Banten", score)
    for score in (1.1, 1.2, 1.3, 1.4):
        add("10750", "Jawa Timur", score)
    add("13111", "Bali", 2.0)
    return out


def fake_rows(kbli: str, province: str, count: int, first: int = 9400000000000) -> list[str]:
    """Made-up companies an attacker would import, with known scores."""
    return [
        f"{first + i},PT Palsu {i},{kbli},{province},30,2024,1.0,1.0,0,ya" for i in range(count)
    ]


def add_natives(
    runtime: Runtime, accounts: Accounts, count: int, kbli: str, province: str, level: int = 2
) -> list[str]:
    """Companies with a registration number that assess themselves in pabrik (tenant ids)."""
    base = build_assessments(runtime)
    made: list[str] = []
    for i in range(count):
        tenant = f"pt-sendiri-{kbli}-{i}"
        nib = f"95{kbli}{i:06d}"
        accounts.create_tenant(
            "setup",
            tenant_id=tenant,
            name=f"PT Sendiri {i}",
            registration_no=nib,
            kbli=kbli,
            province=province,
            size="small",
        )
        svc = base.for_tenant(tenant, tenant, "setup", with_plant=False)
        row = svc.create("indi40", title="Asesmen")
        svc.save_answers(row.id, list(uniform(svc.model_of(row), level).values()))
        svc.submit(row.id)
        made.append(tenant)
    return made


def xlsx(header: list[object], body: list[list[object]]) -> bytes:
    """A small workbook with one sheet."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(header)
    for row in body:
        sheet.append(row)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def huge_xlsx(rows: int) -> bytes:
    """A small file whose sheet unpacks to ``rows`` rows (no dimension tag to warn a reader)."""
    small = zipfile.ZipFile(io.BytesIO(xlsx(["nib"], [])))
    body = "<row><c><v>1</v></c></row>" * rows
    sheet = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<sheetData><row><c t="inlineStr"><is><t>nib</t></is></c></row>'
        f"{body}</sheetData></worksheet>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as big:
        for item in small.infolist():
            data = small.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = sheet.encode()
            big.writestr(item.filename, data)
    return out.getvalue()
