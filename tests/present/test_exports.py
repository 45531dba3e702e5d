"""KPI exports in words: glossary names beside the codes, the XLSX on the plant's clock."""

from __future__ import annotations

import csv
import io
from datetime import datetime

import pytest
from openpyxl import load_workbook

from pabrik.present.formatting import Formatter
from pabrik.present.i18n import Catalogues
from pabrik.runtime.app import Runtime
from pabrik.runtime.kpi.export import KPI_HEADER, ExportFormat, to_csv, to_xlsx
from pabrik.runtime.kpi.loss_report import loss_report
from pabrik.runtime.kpi.reports import kpi_report
from pabrik.runtime.kpi.views import KpiReport, LossReport

ZONE = "Asia/Jakarta"


@pytest.fixture(scope="module")
def reports(runtime: Runtime) -> tuple[KpiReport, LossReport]:
    window = runtime.window("day", None, None)
    return kpi_report(runtime.engine, "plant", window, None), loss_report(
        runtime.engine, "plant", window
    )


def words(lang: str) -> ExportFormat:
    """The formatter pages use is the one exports take their words and clock from."""
    return Formatter(Catalogues.load().get(lang), ZONE)


def test_the_csv_names_kpis_by_the_glossary_and_keeps_codes_and_iso_instants(
    reports: tuple[KpiReport, LossReport],
) -> None:
    report, _ = reports
    rows = list(csv.reader(io.StringIO(to_csv(report, words("id")))))
    assert tuple(rows[0]) == KPI_HEADER
    names = {row[0]: row[2] for row in rows[1:] if len(row) == len(KPI_HEADER)}
    assert names["effectiveness"] == "Kinerja"
    assert names["quality_ratio"] == "Kualitas"
    meta = {row[0]: row[1] for row in rows if len(row) == 2}
    assert meta["from"] == report.start.isoformat()
    assert meta["timezone"] == ZONE


def test_the_xlsx_shows_the_plants_wall_clock_and_names_its_zone(
    reports: tuple[KpiReport, LossReport],
) -> None:
    report, losses = reports
    fmt = words("en")
    wb = load_workbook(io.BytesIO(to_xlsx(report, losses, fmt)))
    window = {row[0]: row[1] for row in wb["Window"].iter_rows(min_row=2, values_only=True)}
    assert window["timezone"] == ZONE
    assert isinstance(window["from"], datetime)
    assert window["from"] == fmt.wall_clock(report.start)
    kpis = {row[0]: row[2] for row in wb["KPIs"].iter_rows(min_row=2, values_only=True)}
    assert kpis["effectiveness"] == "Performance"


def test_the_xlsx_puts_glossary_words_beside_loss_state_and_unit_codes(
    reports: tuple[KpiReport, LossReport],
) -> None:
    report, losses = reports
    wb = load_workbook(io.BytesIO(to_xlsx(report, losses, words("id"))))
    pareto = list(wb["Losses"].iter_rows(min_row=2, values_only=True))
    assert pareto
    assert all(label and state_label for _, label, _, state_label, *_ in pareto)
    costs = {
        (row[2], row[3], row[5], row[6])
        for row in wb["Costs"].iter_rows(min_row=2, values_only=True)
    }
    assert any(c[0] == "scrap" and c[1] == "Scrap" and c[3] == "unit" for c in costs)
    assert any(c[2] == "machine_h" and c[3] == "jam-mesin" for c in costs)
    assert all(loss and loss != code for code, loss, _, _ in costs)
