"""The programme import's template: the columns bulk_import reads, with invented example rows."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook

from pabrik.assessment.model import AssessmentModel

BASE = ("nib", "name", "kbli", "province", "workforce", "year", "model", "overall", "verified")
SAMPLE_NAME = "PT Contoh Templat {n} (contoh / sample)"


def columns(model: AssessmentModel) -> list[str]:
    """Every column an import understands: the company, the year, the scores."""
    pillars = [f"pillar.{p.id}" for p in model.pillars]
    fields = [f"field.{f.id}" for f in model.fields()]
    return [*BASE, *pillars, *fields]


def example_rows(model: AssessmentModel, year: int) -> list[list[object]]:
    """Two invented companies (NIBs of zeros; replace them with real rows before importing)."""
    rows: list[list[object]] = []
    for n, (kbli, province, people, score, verified) in enumerate(
        (("22220", "Jawa Barat", 45, 2.0, "ya"), ("10750", "Jawa Timur", 160, 2.75, "tidak")),
        start=1,
    ):
        scores = [score] * (len(model.pillars) + len(model.fields()))
        nib = f"{n:013d}"
        base = [nib, SAMPLE_NAME.format(n=n), kbli, province, people, year, model.id, score]
        rows.append([*base, verified, *scores])
    return rows


def template_csv(model: AssessmentModel, year: int) -> str:
    """The template as CSV."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns(model))
    writer.writerows(example_rows(model, year))
    return out.getvalue()


def template_xlsx(model: AssessmentModel, year: int) -> bytes:
    """The template as an Excel workbook (one sheet, the same columns and rows)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("indi40")
    sheet.append(columns(model))
    for row in example_rows(model, year):
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
