"""Assessment pages after scoring: results, verification, roadmap, profile and the report."""

from __future__ import annotations

from datetime import date
from fractions import Fraction
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from pabrik.assessment.catalogue import PlantSize
from pabrik.assessment.gaps import COST_AREAS, CompanyProfile
from pabrik.assessment.model import KPI_AREAS
from pabrik.model.errors import InvalidRequestError
from pabrik.present.assess.amounts import parse_rupiah
from pabrik.present.assess.labels import PLAN_INPUT_KEYS
from pabrik.present.assess.report import KINDS, render, report_context
from pabrik.present.formatting import Formatter
from pabrik.present.labels import chart_words
from pabrik.present.pdf import html_to_pdf
from pabrik.runtime.assess.reports import report_data
from pabrik.web.assess.responses import download, redirect
from pabrik.web.deps import AssessmentsDep, FormatterDep, RendererDep

ASCII_DIGITS = frozenset("0123456789")
# Enough for any score, level, share or rupiah budget; far below int()'s 4,300-digit limit.
MAX_DIGITS = 15

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)


@router.get("/assess/{assessment_id}/results")
def results_page(
    request: Request,
    assessment_id: str,
    svc: AssessmentsDep,
    renderer: RendererDep,
    fmt: FormatterDep,
) -> HTMLResponse:
    """Scores, radar chart, evidence from plant data and the verification panel."""
    data = report_data(svc, assessment_id)
    context = report_context(data, fmt, "full") | {
        "page": "assess",
        "row": data.assessment,
        "snapshots": svc.snapshots(assessment_id),
        "audit": svc.audit(assessment_id),
        "versions": [m.version for m in svc.registry.models if m.id == data.model.id],
        "words": chart_words(fmt.translator),
    }
    return renderer.render(request, "assess/results.html", fmt, context)


@router.post("/assess/{assessment_id}/verification")
async def verification(
    request: Request, assessment_id: str, svc: AssessmentsDep
) -> RedirectResponse:
    """Assessor actions: start, note, adjust, verify."""
    form = await request.form()
    action = str(form.get("action") or "")
    if action == "start":
        svc.start_verification(assessment_id)
    elif action == "note":
        svc.add_visit_note(assessment_id, str(form.get("note") or ""))
    elif action == "adjust":
        svc.adjust(
            assessment_id,
            str(form.get("question") or ""),
            whole_number(form.get("score"), "bad_adjustment"),
            str(form.get("reason") or ""),
        )
    elif action == "verify":
        svc.verify(assessment_id)
    elif action == "rescore":
        svc.rescore(assessment_id, whole_number(form.get("version") or "0", "bad_adjustment"))
    else:
        raise InvalidRequestError(f"unknown action '{action}'", reason="bad_adjustment")
    return redirect(request, f"/assess/{assessment_id}/results#verification")


def _start(text: str | None) -> date | None:
    """A start date the user picked (YYYY-MM-DD), or None for the assessment's own date."""
    if not text:
        return None
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError as err:
        raise InvalidRequestError("the start must be a date", reason="bad_start") from err


def _plan_inputs(
    fmt: Formatter, budget: str | None, start: str | None
) -> tuple[int | None, date | None, str]:
    """The typed budget and start, or an error message in the user's language for the form."""
    try:
        return parse_rupiah(budget), _start(start), ""
    except InvalidRequestError as err:
        reason = str(err.details.get("reason", "bad_budget"))
        return (
            None,
            None,
            fmt.translator.gettext(PLAN_INPUT_KEYS.get(reason, PLAN_INPUT_KEYS["bad_budget"])),
        )


@router.get("/assess/{assessment_id}/roadmap")
def roadmap_page(
    request: Request,
    assessment_id: str,
    svc: AssessmentsDep,
    renderer: RendererDep,
    fmt: FormatterDep,
    budget: Annotated[str | None, Query(max_length=200)] = None,
    start: Annotated[str | None, Query(max_length=40)] = None,
) -> HTMLResponse:
    """Targets, ranked gaps with their reasons, the phased roadmap and the training plan."""
    amount, first_day, error = _plan_inputs(fmt, budget, start)
    data = report_data(svc, assessment_id, budget=amount, start=first_day)
    context = report_context(data, fmt, "full") | {
        "page": "assess",
        "row": data.assessment,
        "budget_text": budget or "",
        "start_text": start or "",
        "plan_error": error,
        "plan_query": "" if error else urlencode({"budget": budget or "", "start": start or ""}),
        "kpi_areas": KPI_AREAS,
        "cost_areas": COST_AREAS,
        "sizes": [s.value for s in PlantSize],
    }
    # A wrong amount returns to the form with its message, not to an error page.
    status = 422 if error else 200
    return renderer.render(request, "assess/roadmap.html", fmt, context, status_code=status)


@router.post("/assess/{assessment_id}/ranking")
async def reorder_gaps(
    request: Request, assessment_id: str, svc: AssessmentsDep
) -> RedirectResponse:
    """The consultant moves a gap up or down, pins or unpins it; kept and audited."""
    form = await request.form()
    svc.reorder(assessment_id, str(form.get("field") or ""), str(form.get("action") or ""))
    return redirect(request, f"/assess/{assessment_id}/roadmap#gaps")


@router.post("/assess/{assessment_id}/targets")
async def save_targets(
    request: Request, assessment_id: str, svc: AssessmentsDep
) -> RedirectResponse:
    """Save the company's target levels per field."""
    form = await request.form()
    targets = {
        str(k).removeprefix("target."): whole_number(v, "bad_target")
        for k, v in form.multi_items()
        if str(k).startswith("target.") and str(v).strip()
    }
    svc.set_targets(assessment_id, targets)
    return redirect(request, f"/assess/{assessment_id}/roadmap")


@router.post("/assess/{assessment_id}/profile")
async def save_profile(
    request: Request, assessment_id: str, svc: AssessmentsDep
) -> RedirectResponse:
    """Save the company's size, KPI priorities and cost shares."""
    svc.get(assessment_id)  # an unknown (or another company's) assessment is 'not found'
    form = await request.form()
    priorities = {
        a: whole_number(form.get(f"priority.{a}") or "0", "bad_profile") for a in KPI_AREAS
    }
    costs = {
        c: Fraction(whole_number(form.get(f"cost.{c}") or "0", "bad_profile")) for c in COST_AREAS
    }
    size_text = str(form.get("size") or PlantSize.MEDIUM.value)
    if size_text not in {s.value for s in PlantSize}:
        raise InvalidRequestError(f"unknown plant size '{size_text}'", reason="bad_profile")
    svc.update_company(
        size=PlantSize(size_text),
        profile=CompanyProfile(priorities, {k: v for k, v in costs.items() if v}),
    )
    return redirect(request, f"/assess/{assessment_id}/roadmap")


def whole_number(value: object, reason: str) -> int:
    """A form's whole number: ASCII digits only (not '²'), at most ``MAX_DIGITS`` of them."""
    text = str(value or "").strip()
    if not text or len(text) > MAX_DIGITS or not all(c in ASCII_DIGITS for c in text):
        raise InvalidRequestError(f"'{text[:20]}' is not a whole number", reason=reason)
    return int(text)


@router.get("/assess/{assessment_id}/report")
def report(
    request: Request,
    assessment_id: str,
    svc: AssessmentsDep,
    renderer: RendererDep,
    fmt: FormatterDep,
    kind: Annotated[str, Query(pattern="^(summary|full)$")] = "summary",
    output: Annotated[str, Query(alias="format", pattern="^(html|pdf)$")] = "html",
    budget: Annotated[str | None, Query(max_length=200)] = None,
    start: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    """The executive summary or the full report, as HTML or PDF."""
    assert kind in KINDS
    amount, first_day, error = _plan_inputs(fmt, budget, start)
    if error:
        query = urlencode({"budget": budget or "", "start": start or ""})
        return redirect(request, f"/assess/{assessment_id}/roadmap?{query}")
    data = report_data(svc, assessment_id, budget=amount, start=first_day)
    html = render(renderer.templates.env, "assess/report.html", report_context(data, fmt, kind))
    if output == "html":
        return HTMLResponse(html, headers={"X-Content-Type-Options": "nosniff"})
    name = f"pabrik-{data.model.id}-{kind}-{assessment_id}-{fmt.locale}.pdf"
    return download(html_to_pdf(html), "application/pdf", name)
