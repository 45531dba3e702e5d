"""KPI reports as CSV text and XLSX workbooks (openpyxl), for the API and the command line.

Codes stay in their own columns and the header rows are stable codes, so scripts can read
both files. The words beside the codes (KPI, loss, state and unit names) and the XLSX clock
come from an ``ExportFormat``: presentation's formatter (pabrik.present.formatting), which
takes them from the glossary. The CSV keeps instants as ISO 8601 with their offset; the
XLSX shows them on the plant's wall clock and names the time zone.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Protocol

from openpyxl import Workbook

from pabrik.model.fields import Text
from pabrik.runtime.exports import safe_csv, safe_row
from pabrik.runtime.kpi.views import KpiReport, LossReport

KPI_HEADER = ("kpi", "iso", "name", "value", "exact", "unit", "missing", "flags", "formula")
LOSS_HEADER = ("reason", "label", "state", "state_label", "minutes", "share", "cumulative")
COST_HEADER = ("line", "line_name", "loss", "loss_label", "quantity", "unit", "unit_label", "idr")


class ExportFormat(Protocol):
    """The words and the clock an export takes from presentation, in one locale and zone."""

    @property
    def locale(self) -> str:
        """The language of the words."""
        ...

    @property
    def timezone(self) -> str:
        """The plant's IANA time zone (``Asia/Jakarta``)."""
        ...

    def kpi_name(self, code: str) -> str:
        """A KPI's name."""
        ...

    def loss_name(self, code: str, label: Text | None) -> str:
        """A loss or reason code in words (a configured label first)."""
        ...

    def state_name(self, code: str) -> str:
        """A machine state in words."""
        ...

    def unit_name(self, code: str) -> str:
        """A unit in words (empty for ratios and indices)."""
        ...

    def wall_clock(self, ts: datetime) -> datetime:
        """An instant as the plant's local date and time, without a zone."""
        ...


def kpi_rows(report: KpiReport, words: ExportFormat) -> list[tuple[object, ...]]:
    """One row per KPI value."""
    return [
        (
            v.id,
            v.iso or "",
            words.kpi_name(v.id),
            v.number,
            v.exact or "",
            v.unit,
            v.missing or "",
            " ".join(v.flags),
            v.formula,
        )
        for v in report.values
    ]


def _meta(report: KpiReport, start: object, end: object) -> list[tuple[object, ...]]:
    return [
        ("scope", report.scope),
        ("from", start),
        ("to", end),
        ("machines", " ".join(report.machines)),
        ("flags", " ".join(report.flags)),
        ("kpi_catalogue_version", report.catalogue_version),
        *((f"rule.{k}", v) for k, v in report.rules.items()),
    ]


def to_csv(report: KpiReport, words: ExportFormat) -> str:
    """The KPIs as CSV: a header row, one row per KPI, then the elements as key/value rows."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(KPI_HEADER)
    w.writerows(kpi_rows(report, words))
    w.writerow(())
    w.writerows(_meta(report, report.start.isoformat(), report.end.isoformat()))
    w.writerow(("timezone", words.timezone))
    w.writerows((f"element.{k}", v) for k, v in report.elements.items())
    return safe_csv(out.getvalue())


def _sheet(
    wb: Workbook, title: str, header: Sequence[str], rows: Iterable[Sequence[object]]
) -> None:
    ws = wb.create_sheet(title)
    ws.append(list(header))
    for row in rows:
        ws.append(safe_row(row))
    ws.freeze_panes = "A2"


def _window_rows(report: KpiReport, words: ExportFormat) -> list[tuple[object, ...]]:
    start, end = words.wall_clock(report.start), words.wall_clock(report.end)
    return [*_meta(report, start, end), ("timezone", words.timezone)]


def _loss_rows(losses: LossReport, words: ExportFormat) -> list[list[object]]:
    rows: list[list[object]] = []
    for p in losses.pareto:
        label, state = words.loss_name(p.code, p.label), words.state_name(p.state)
        rows.append([p.code, label, p.state, state, p.ms / 60000, p.share, p.cumulative])
    return rows


def _cost_rows(losses: LossReport, words: ExportFormat) -> list[list[object]]:
    rows: list[list[object]] = []
    for ln in losses.lines:
        for i in ln.items:
            loss, unit = words.loss_name(i.key, None), words.unit_name(i.unit)
            name = ln.name.get(words.locale)
            rows.append([ln.line_id, name, i.key, loss, i.quantity, i.unit, unit, float(i.idr)])
    return rows


QUALITY_HEADER = ("reason", "name", "units", "share")


def to_xlsx(
    report: KpiReport,
    losses: LossReport | None,
    words: ExportFormat,
    quality: Sequence[Sequence[object]] | None = None,
) -> bytes:
    """A workbook with sheets KPIs, Elements, Window and, when given, Losses, Costs, Quality.

    Instants are on the plant's wall clock and the Window sheet names the time zone.
    """
    wb = Workbook()
    if wb.active is not None:
        wb.remove(wb.active)
    _sheet(wb, "KPIs", KPI_HEADER, kpi_rows(report, words))
    _sheet(wb, "Elements", ("element", "value"), report.elements.items())
    _sheet(wb, "Window", ("key", "value"), _window_rows(report, words))
    if losses is not None:
        _sheet(wb, "Losses", LOSS_HEADER, _loss_rows(losses, words))
        _sheet(wb, "Costs", COST_HEADER, _cost_rows(losses, words))
    if quality is not None:
        _sheet(wb, "Quality", QUALITY_HEADER, quality)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
