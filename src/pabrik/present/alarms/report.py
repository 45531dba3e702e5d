"""The alarm-performance report as CSV, in the reader's language."""

from __future__ import annotations

import csv
import io

from pabrik.alarms.definitions import Priority
from pabrik.alarms.metrics import RECOMMENDED_MIX, Performance
from pabrik.present.i18n import Translator
from pabrik.runtime.exports import safe_rows


def _pct(value: float) -> str:
    return f"{value * 100:.1f}"


def figure_rows(p: Performance, t: Translator) -> list[list[object]]:
    """(figure, value) rows: the whole-plant figures, then one block per operator position."""
    g = t.gettext
    rows: list[list[object]] = [
        [g("alarms.report.total"), p.total],
        [g("alarms.report.flood_share"), _pct(p.flood_share)],
        [g("alarms.report.peak"), p.peak_10_min],
        [g("alarms.report.top10_share"), _pct(p.top10_share)],
        [g("alarms.report.chattering"), len(p.chattering)],
        [g("alarms.report.fleeting"), len(p.fleeting)],
        [g("alarms.report.stale"), len(p.stale)],
        [g("alarms.report.shelved_h"), f"{sum(p.shelved_s.values()) / 3600:.2f}"],
    ]
    for priority in Priority:
        recommended = RECOMMENDED_MIX.get(priority)
        label = f"{g('alarms.report.mix')} {g('alarms.priority.' + priority.value)}"
        rows.append([label, _pct(p.priority_mix[priority]), _pct(recommended or 0.0)])
    rows.extend(
        [f"{g('alarms.report.position')} {load.position}", load.alarms,
         f"{load.per_10_min:.2f}", f"{load.per_hour:.2f}", load.peak_10_min,
         _pct(load.flood_share)]
        for load in p.positions
    )  # fmt: skip
    return rows


def performance_csv(p: Performance, t: Translator) -> str:
    """The report as CSV: the figures, then the ranked list of alarms to fix first."""
    g = t.gettext
    rows: list[list[object]] = [
        [g("alarms.report.figure"), g("alarms.report.value"), g("alarms.report.recommended")]
    ]
    rows += figure_rows(p, t)
    rows.append([])
    rows.append([g("alarms.report.rank"), g("alarms.report.alarm"), g("alarms.report.count"),
                 g("alarms.report.reasons")])  # fmt: skip
    for i, o in enumerate(p.fix_first, start=1):
        reasons = ", ".join(g(f"alarms.problem.{r}") for r in o.reasons)
        rows.append([i, o.key, o.count, reasons])
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(safe_rows(rows))
    return out.getvalue()
