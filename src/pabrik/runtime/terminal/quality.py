"""The quality-loss Pareto: scrap units by the reason operators gave, beside the downtime Pareto.

The total scrap is the one measure function's (``runtime/kpi/measure.py``); the reasons only
split it, and what has no reason is shown as its own row, so the bars always add up to the
scrap every other figure uses.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass
from fractions import Fraction

from pabrik.model.windows import Window
from pabrik.runtime.app import Runtime
from pabrik.runtime.exports import safe_row
from pabrik.runtime.kpi.measure import measure
from pabrik.runtime.terminal.entries import manual_store

UNEXPLAINED = "unexplained"


@dataclass(frozen=True, slots=True)
class QualityRow:
    """One bar: a scrap reason (or ``unexplained``), its units and share of all scrap."""

    reason: str
    units: int
    share: Fraction


@dataclass(frozen=True, slots=True)
class QualityPareto:
    """Scrap of a scope over a window, split by reason, biggest first."""

    scope: str
    window: Window
    scrap: int
    produced: int
    rows: list[QualityRow]


def quality_pareto(runtime: Runtime, scope: str, window: Window) -> QualityPareto:
    """The scope's scrap over the measured part of the window, by reason."""
    measured = measure(runtime.engine, scope, window, detail=False)
    span = window.measured
    by_reason: Counter[str] = Counter()
    if span is not None:
        store = manual_store(runtime)
        for machine in measured.machines:
            by_reason.update(store.scrap_by_reason(machine.id, span.start, span.end))
    elements = measured.total.elements
    total = elements.sq
    rest = total - sum(by_reason.values())
    if rest > 0:
        by_reason[UNEXPLAINED] += rest
    ranked = sorted(by_reason.items(), key=lambda kv: (-kv[1], kv[0]))
    rows = [
        QualityRow(reason, units, Fraction(units, max(total, sum(by_reason.values()), 1)))
        for reason, units in ranked
        if units > 0
    ]
    return QualityPareto(scope, window, total, elements.pq, rows)


def quality_rows(runtime: Runtime, scope: str, window: Window, locale: str) -> list[list[object]]:
    """The Pareto as export rows: reason code, its name, units, share (0..1)."""
    names = {r.id: r.name.get(locale) for r in runtime.plant.scrap_reasons}
    pareto = quality_pareto(runtime, scope, window)
    return [[r.reason, names.get(r.reason, r.reason), r.units, float(r.share)] for r in pareto.rows]


def quality_csv(pareto: QualityPareto, names: dict[str, str]) -> str:
    """The Pareto as CSV: reason code, its name, units, share (0..1)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["reason", "name", "units", "share"])
    for row in pareto.rows:
        name = names.get(row.reason, row.reason)
        writer.writerow(safe_row([row.reason, name, row.units, f"{float(row.share):.4f}"]))
    return out.getvalue()
