"""Reports (executive summary, full report, blank questionnaire) as HTML and as PDF."""

from __future__ import annotations

from typing import Any

import jinja2
from markupsafe import Markup

from pabrik.assessment.catalogue import Catalogue
from pabrik.assessment.model import AssessmentModel
from pabrik.present.assess.svg import CURRENT, PREVIOUS, Series, radar_svg
from pabrik.present.assess.text import AssessText
from pabrik.present.formatting import Formatter
from pabrik.runtime.assess.reports import ReportData

TOP_GAPS = 5
KINDS = ("summary", "full")


def radar(data: ReportData, text: AssessText) -> Markup:
    """The pillar radar with the previous assessment overlaid when there is one."""
    t = text.fmt.translator
    axes = [text.text(p.name) for p in data.model.pillars]
    series = []
    if data.previous is not None:
        before = {p.pillar_id: float(p.score) for p in data.previous.pillars}
        series.append(
            Series(
                t.gettext("assess.chart.previous"),
                tuple(before.get(p.id, 0.0) for p in data.model.pillars),
                PREVIOUS,
                dashed=True,
            )
        )
    now = {p.pillar_id: float(p.score) for p in data.result.pillars}
    series.append(
        Series(
            t.gettext("assess.chart.current"), tuple(now[p.id] for p in data.model.pillars), CURRENT
        )
    )
    return radar_svg(axes, series, data.model.scale_max, title=t.gettext("assess.chart.radar"))


def report_context(data: ReportData, fmt: Formatter, kind: str) -> dict[str, Any]:
    """Template variables of a report."""
    text = AssessText(data.model, data.catalogue, fmt)
    return {
        "d": data,
        "a": text,
        "kind": kind,
        "radar": radar(data, text),
        "top_gaps": data.gaps[:TOP_GAPS],
        "fmt": fmt,
        "t": fmt.translator,
        "locale": fmt.locale,
    }


def questionnaire_context(
    model: AssessmentModel, catalogue: Catalogue, fmt: Formatter
) -> dict[str, Any]:
    """Template variables of the blank questionnaire."""
    return {
        "model": model,
        "a": AssessText(model, catalogue, fmt),
        "fmt": fmt,
        "t": fmt.translator,
        "locale": fmt.locale,
    }


def render(env: jinja2.Environment, name: str, context: dict[str, Any]) -> str:
    """A template rendered outside a request (for PDFs and the command line)."""
    return env.get_template(name).render(**context)
