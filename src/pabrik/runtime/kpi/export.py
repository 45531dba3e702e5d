"""KPI reports as CSV text and XLSX workbooks (openpyxl), for the API and the command line."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from openpyxl import Workbook

from pabrik.runtime.kpi.views import KpiReport, LossReport

KPI_HEADER = ("kpi", "iso", "name", "value", "exact", "unit", "missing", "flags", "formula")


def kpi_rows(report: KpiReport, locale: str = "id") -> list[tuple[object, ...]]:
    """One row per KPI value."""
    return [
        (
            v.id,
            v.iso or "",
            v.name.get(locale),
            v.number,
            v.exact or "",
            v.unit,
            v.missing or "",
            " ".join(v.flags),
            v.formula,
        )
        for v in report.values
    ]


def _meta(report: KpiReport) -> list[tuple[object, ...]]:
    return [
        ("scope", report.scope),
        ("from", report.start.isoformat()),
        ("to", report.end.isoformat()),
        ("machines", " ".join(report.machines)),
        ("flags", " ".join(report.flags)),
        ("kpi_catalogue_version", report.catalogue_version),
        *((f"rule.{k}", v) for k, v in report.rules.items()),
    ]


def to_csv(report: KpiReport, locale: str = "id") -> str:
    """The KPIs as CSV: a header row, one row per KPI, then the elements as key/value rows."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(KPI_HEADER)
    w.writerows(kpi_rows(report, locale))
    w.writerow(())
    w.writerows(_meta(report))
    w.writerows((f"element.{k}", v) for k, v in report.elements.items())
    return out.getvalue()


def _sheet(
    wb: Workbook, title: str, header: Sequence[str], rows: Iterable[Sequence[object]]
) -> None:
    ws = wb.create_sheet(title)
    ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    ws.freeze_panes = "A2"


def to_xlsx(report: KpiReport, losses: LossReport | None = None, locale: str = "id") -> bytes:
    """A workbook with sheets KPIs, Elements, Window and, when given, Losses and Costs."""
    wb = Workbook()
    if wb.active is not None:
        wb.remove(wb.active)
    _sheet(wb, "KPIs", KPI_HEADER, kpi_rows(report, locale))
    _sheet(wb, "Elements", ("element", "value"), report.elements.items())
    _sheet(wb, "Window", ("key", "value"), _meta(report))
    if losses is not None:
        _sheet(
            wb,
            "Losses",
            ("reason", "state", "label", "minutes", "share", "cumulative"),
            (
                (
                    p.code,
                    p.state,
                    p.label.get(locale) if p.label else "",
                    p.ms / 60000,
                    p.share,
                    p.cumulative,
                )
                for p in losses.pareto
            ),
        )
        _sheet(
            wb,
            "Costs",
            ("line", "loss", "quantity", "unit", "idr"),
            (
                (ln.line_id, i.key, i.quantity, i.unit, float(i.idr))
                for ln in losses.lines
                for i in ln.items
            ),
        )
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
