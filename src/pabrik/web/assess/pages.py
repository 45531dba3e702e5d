"""Assessment pages: history, wizard, results, roadmap, reports, exports and attachments."""

from __future__ import annotations

from fractions import Fraction
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData, UploadFile

from pabrik.assessment.catalogue import PlantSize
from pabrik.assessment.gaps import COST_AREAS, CompanyProfile
from pabrik.assessment.model import KPI_AREAS, AssessmentModel, QuestionKind
from pabrik.assessment.scoring import Answer
from pabrik.model.errors import InvalidRequestError
from pabrik.present.assess.report import (
    KINDS,
    pdf_bytes,
    questionnaire_context,
    render,
    report_context,
)
from pabrik.present.assess.text import AssessText
from pabrik.present.formatting import Formatter
from pabrik.present.labels import chart_words
from pabrik.runtime.assess.formats import export_answers, scores_csv
from pabrik.runtime.assess.reports import report_data
from pabrik.runtime.assess.service import Assessments
from pabrik.web.deps import AssessmentsDep, FormatterDep, RendererDep

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

SEE_OTHER = 303
MAX_UPLOAD = 10 * 1024 * 1024 + 1
EXPORT_TYPES = {
    "json": "application/json",
    "yaml": "application/yaml; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
}


def _root(request: Request) -> str:
    return str(request.scope.get("root_path", ""))


def _redirect(request: Request, path: str) -> RedirectResponse:
    return RedirectResponse(f"{_root(request)}{path}", status_code=SEE_OTHER)


def _download(content: bytes, media_type: str, filename: str) -> Response:
    return Response(
        content,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "X-Content-Type-Options": "nosniff",
        },
    )


def _context(svc: Assessments, model: AssessmentModel, fmt: Formatter) -> dict[str, Any]:
    return {"a": AssessText(model, svc.catalogue, fmt), "model": model, "page": "assess"}


@router.get("/assess")
def history_page(
    request: Request, svc: AssessmentsDep, renderer: RendererDep, fmt: FormatterDep
) -> HTMLResponse:
    """Every assessment of the company with its score and trend, and a form to start one."""
    history = svc.history()
    scored = {e.assessment.id: e for e in history}
    models = svc.registry.latest()
    context = {
        "rows": svc.all(),
        "scored": scored,
        "history": history,
        "models": models,
        "texts": {m.key: AssessText(m, svc.catalogue, fmt) for m in svc.registry.models},
        "company": svc.company(),
        "page": "assess",
    }
    return renderer.render(request, "assess/history.html", fmt, context)


@router.post("/assess")
def create_assessment(
    request: Request,
    svc: AssessmentsDep,
    model: Annotated[str, Form()],
    title: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Start a new assessment and open its wizard."""
    row = svc.create(model, title=title)
    return _redirect(request, f"/assess/{row.id}/step/1")


@router.get("/assess/questionnaire.pdf")
def questionnaire_pdf(
    svc: AssessmentsDep,
    renderer: RendererDep,
    fmt: FormatterDep,
    model: Annotated[str, Query()] = "indi40",
    version: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    """The blank questionnaire as a PDF, to prepare answers offline."""
    m = svc.registry.get(model, version)
    html = render(
        renderer.templates.env,
        "assess/questionnaire.html",
        questionnaire_context(m, svc.catalogue, fmt),
    )
    name = f"{m.id}-v{m.version}-questionnaire-{fmt.locale}.pdf"
    return _download(pdf_bytes(html), "application/pdf", name)


@router.get("/assess/{assessment_id}")
def resume(request: Request, assessment_id: str, svc: AssessmentsDep) -> RedirectResponse:
    """Continue where the assessment stands: the first unanswered step, or its results."""
    row = svc.get(assessment_id)
    if row.status != "draft":
        return _redirect(request, f"/assess/{row.id}/results")
    model = svc.model_of(row)
    answers = svc.answers(row.id)
    for number, pillar in enumerate(model.pillars, start=1):
        fields = {f.id for f in pillar.fields}
        pending = [
            q
            for q in model.questions
            if q.field_id in fields
            and q.required
            and not (q.id in answers and answers[q.id].selected)
        ]
        if pending:
            return _redirect(request, f"/assess/{row.id}/step/{number}")
    return _redirect(request, f"/assess/{row.id}/review")


def _step_pillar(model: AssessmentModel, step: int) -> int:
    if not 1 <= step <= len(model.pillars):
        raise InvalidRequestError(f"no step {step}", reason="bad_step", step=step)
    return step - 1


@router.get("/assess/{assessment_id}/step/{step}")
def wizard_step(
    request: Request,
    assessment_id: str,
    step: int,
    svc: AssessmentsDep,
    renderer: RendererDep,
    fmt: FormatterDep,
) -> HTMLResponse:
    """One pillar's questions, with the answers saved so far."""
    row = svc.get(assessment_id)
    model = svc.model_of(row)
    pillar = model.pillars[_step_pillar(model, step)]
    fields = {f.id for f in pillar.fields}
    context = _context(svc, model, fmt) | {
        "row": row,
        "step": step,
        "steps": len(model.pillars),
        "pillar": pillar,
        "questions": [q for q in model.questions if q.field_id in fields],
        "answers": svc.answers(row.id),
        "attachments": svc.attachments(row.id),
        "progress": svc.progress(row.id),
        "editable": row.status in ("draft", "self_assessed"),
    }
    return renderer.render(request, "assess/wizard.html", fmt, context)


def _form_answers(model: AssessmentModel, form: FormData, questions: list[str]) -> list[Answer]:
    answers: list[Answer] = []
    for qid in questions:
        q = model.question(qid)
        assert q is not None
        values = [str(v) for v in form.getlist(f"q.{qid}")]
        note = str(form.get(f"note.{qid}") or "")
        if q.kind is QuestionKind.SINGLE:
            values = values[:1]
        if values or note or form.get(f"touched.{qid}") == "1":
            answers.append(Answer(qid, tuple(values), note))
    return answers


@router.post("/assess/{assessment_id}/step/{step}")
async def save_step(
    request: Request, assessment_id: str, step: int, svc: AssessmentsDep
) -> RedirectResponse:
    """Save a step's answers, notes and files, then move on (saved as you go)."""
    row = svc.get(assessment_id)
    model = svc.model_of(row)
    pillar = model.pillars[_step_pillar(model, step)]
    fields = {f.id for f in pillar.fields}
    qids = [q.id for q in model.questions if q.field_id in fields]
    async with request.form(max_part_size=MAX_UPLOAD) as form:
        svc.save_answers(row.id, _form_answers(model, form, qids))
        for qid in qids:
            upload = form.get(f"file.{qid}")
            if isinstance(upload, UploadFile) and upload.filename:
                data = await upload.read(MAX_UPLOAD)
                svc.attach(row.id, qid, upload.filename, data)
        action = str(form.get("action") or "next")
    if action == "prev" and step > 1:
        return _redirect(request, f"/assess/{row.id}/step/{step - 1}")
    if action == "next" and step < len(model.pillars):
        return _redirect(request, f"/assess/{row.id}/step/{step + 1}")
    if action == "save":
        return _redirect(request, f"/assess/{row.id}/step/{step}?saved=1")
    return _redirect(request, f"/assess/{row.id}/review")


@router.get("/assess/{assessment_id}/review")
def review_page(
    request: Request,
    assessment_id: str,
    svc: AssessmentsDep,
    renderer: RendererDep,
    fmt: FormatterDep,
) -> HTMLResponse:
    """What is still missing before the self-assessment can be submitted."""
    row = svc.get(assessment_id)
    model = svc.model_of(row)
    answers = svc.answers(row.id)
    missing = [
        q
        for q in model.questions
        if q.required and not (q.id in answers and answers[q.id].selected)
    ]
    step_of = {f.id: n for n, p in enumerate(model.pillars, start=1) for f in p.fields}
    context = _context(svc, model, fmt) | {
        "row": row,
        "missing": missing,
        "step_of": step_of,
        "progress": svc.progress(row.id),
        "steps": len(model.pillars),
    }
    return renderer.render(request, "assess/review.html", fmt, context)


@router.post("/assess/{assessment_id}/submit")
def submit(request: Request, assessment_id: str, svc: AssessmentsDep) -> RedirectResponse:
    """Score the self-assessment."""
    svc.submit(assessment_id)
    return _redirect(request, f"/assess/{assessment_id}/results")


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
    text = AssessText(data.model, data.catalogue, fmt)
    chart = {
        "axes": [text.text(p.name) for p in data.model.pillars],
        "max": data.model.scale_max,
        "current": [float(p.score) for p in data.result.pillars],
        "previous": ([float(p.score) for p in data.previous.pillars] if data.previous else None),
        "words": {
            "current": fmt.translator.gettext("assess.chart.current"),
            "previous": fmt.translator.gettext("assess.chart.previous"),
        },
        "locale": fmt.locale,
    }
    context = report_context(data, fmt, "full") | {
        "page": "assess",
        "row": data.assessment,
        "chart_config": chart,
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
        score_text = str(form.get("score") or "")
        if not score_text.isdigit():
            raise InvalidRequestError("the score must be a whole number", reason="bad_adjustment")
        svc.adjust(
            assessment_id,
            str(form.get("question") or ""),
            int(score_text),
            str(form.get("reason") or ""),
        )
    elif action == "verify":
        svc.verify(assessment_id)
    elif action == "rescore":
        svc.rescore(assessment_id, int(str(form.get("version") or "0") or 0))
    else:
        raise InvalidRequestError(f"unknown action '{action}'", reason="bad_adjustment")
    return _redirect(request, f"/assess/{assessment_id}/results#verification")


def _budget(text: str | None) -> int | None:
    if not text:
        return None
    digits = "".join(c for c in text if c.isdigit())
    if not digits:
        raise InvalidRequestError("the budget must be a number of rupiah", reason="bad_budget")
    return int(digits)


@router.get("/assess/{assessment_id}/roadmap")
def roadmap_page(
    request: Request,
    assessment_id: str,
    svc: AssessmentsDep,
    renderer: RendererDep,
    fmt: FormatterDep,
    budget: Annotated[str | None, Query()] = None,
) -> HTMLResponse:
    """Targets, ranked gaps with their reasons, the phased roadmap and the training plan."""
    data = report_data(svc, assessment_id, budget=_budget(budget))
    context = report_context(data, fmt, "full") | {
        "page": "assess",
        "row": data.assessment,
        "budget_text": budget or "",
        "kpi_areas": KPI_AREAS,
        "cost_areas": COST_AREAS,
        "sizes": [s.value for s in PlantSize],
    }
    return renderer.render(request, "assess/roadmap.html", fmt, context)


@router.post("/assess/{assessment_id}/targets")
async def save_targets(
    request: Request, assessment_id: str, svc: AssessmentsDep
) -> RedirectResponse:
    """Save the company's target levels per field."""
    form = await request.form()
    targets = {
        str(k).removeprefix("target."): int(str(v))
        for k, v in form.multi_items()
        if str(k).startswith("target.") and str(v).isdigit()
    }
    svc.set_targets(assessment_id, targets)
    return _redirect(request, f"/assess/{assessment_id}/roadmap")


@router.post("/assess/{assessment_id}/profile")
async def save_profile(
    request: Request, assessment_id: str, svc: AssessmentsDep
) -> RedirectResponse:
    """Save the company's size, KPI priorities and cost shares."""
    svc.get(assessment_id)  # an unknown (or another company's) assessment is 'not found'
    form = await request.form()
    priorities = {a: _int(form.get(f"priority.{a}")) for a in KPI_AREAS}
    costs = {c: Fraction(_int(form.get(f"cost.{c}"))) for c in COST_AREAS}
    size_text = str(form.get("size") or PlantSize.MEDIUM.value)
    if size_text not in {s.value for s in PlantSize}:
        raise InvalidRequestError(f"unknown plant size '{size_text}'", reason="bad_profile")
    svc.update_company(
        size=PlantSize(size_text),
        profile=CompanyProfile(priorities, {k: v for k, v in costs.items() if v}),
    )
    return _redirect(request, f"/assess/{assessment_id}/roadmap")


def _int(value: object) -> int:
    text = str(value or "0").strip()
    if not text.isdigit():
        raise InvalidRequestError(f"'{text}' is not a whole number", reason="bad_profile")
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
    budget: Annotated[str | None, Query()] = None,
) -> Response:
    """The executive summary or the full report, as HTML or PDF."""
    assert kind in KINDS
    data = report_data(svc, assessment_id, budget=_budget(budget))
    html = render(renderer.templates.env, "assess/report.html", report_context(data, fmt, kind))
    if output == "html":
        return HTMLResponse(html, headers={"X-Content-Type-Options": "nosniff"})
    name = f"pabrik-{data.model.id}-{kind}-{assessment_id}-{fmt.locale}.pdf"
    return _download(pdf_bytes(html), "application/pdf", name)


@router.get("/assess/{assessment_id}/scores.csv")
def scores(assessment_id: str, svc: AssessmentsDep, fmt: FormatterDep) -> Response:
    """The overall, pillar and field scores as CSV."""
    row = svc.get(assessment_id)
    text = scores_csv(svc.model_of(row), svc.require_result(assessment_id), fmt.locale)
    return _download(text.encode("utf-8"), EXPORT_TYPES["csv"], f"scores-{assessment_id}.csv")


@router.get("/assess/{assessment_id}/answers.{fmt_name}")
def answers_export(assessment_id: str, fmt_name: str, svc: AssessmentsDep) -> Response:
    """The answers as JSON, YAML or CSV."""
    if fmt_name not in EXPORT_TYPES:
        raise InvalidRequestError(f"unknown format '{fmt_name}'", reason="bad_format")
    row = svc.get(assessment_id)
    text = export_answers(svc.model_of(row), svc.answers(row.id), fmt_name)
    name = f"answers-{assessment_id}.{fmt_name}"
    return _download(text.encode("utf-8"), EXPORT_TYPES[fmt_name], name)


@router.get("/assess/attachments/{attachment_id}")
def attachment(attachment_id: str, svc: AssessmentsDep) -> Response:
    """An evidence file, always as a download with its checked type, never rendered as a page."""
    record, data = svc.attachment(attachment_id)
    safe = record.filename.encode("ascii", "replace").decode("ascii").replace("?", "_")
    response = _download(data, record.content_type, safe)
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
