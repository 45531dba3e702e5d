"""Assessment pages to start, answer and submit: history, the wizard, review and submit."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData, UploadFile

from pabrik.assessment.model import AssessmentModel, QuestionKind
from pabrik.assessment.scoring import Answer
from pabrik.model.errors import InvalidRequestError
from pabrik.present.assess.report import questionnaire_context, render
from pabrik.present.assess.text import AssessText
from pabrik.present.formatting import Formatter
from pabrik.present.pdf import html_to_pdf
from pabrik.runtime.assess.service import Assessments
from pabrik.web.assess.responses import download, redirect
from pabrik.web.deps import AssessmentsDep, FormatterDep, RendererDep

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

MAX_UPLOAD = 10 * 1024 * 1024 + 1


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
        "deleted": request.query_params.get("deleted") == "1",
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
    return redirect(request, f"/assess/{row.id}/step/1")


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
    return download(html_to_pdf(html), "application/pdf", name)


@router.get("/assess/{assessment_id}")
def resume(request: Request, assessment_id: str, svc: AssessmentsDep) -> RedirectResponse:
    """Continue where the assessment stands: the first unanswered step, or its results."""
    row = svc.get(assessment_id)
    if row.status != "draft":
        return redirect(request, f"/assess/{row.id}/results")
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
            return redirect(request, f"/assess/{row.id}/step/{number}")
    return redirect(request, f"/assess/{row.id}/review")


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
        return redirect(request, f"/assess/{row.id}/step/{step - 1}")
    if action == "next" and step < len(model.pillars):
        return redirect(request, f"/assess/{row.id}/step/{step + 1}")
    if action == "save":
        return redirect(request, f"/assess/{row.id}/step/{step}?saved=1")
    return redirect(request, f"/assess/{row.id}/review")


@router.get("/assess/{assessment_id}/review")
def review_page(
    request: Request,
    assessment_id: str,
    svc: AssessmentsDep,
    renderer: RendererDep,
    fmt: FormatterDep,
) -> HTMLResponse:
    """Every answer with a link to change it, and what is missing before submitting."""
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
        "answers": answers,
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
    return redirect(request, f"/assess/{assessment_id}/results")


@router.post("/assess/{assessment_id}/delete")
def delete_draft(request: Request, assessment_id: str, svc: AssessmentsDep) -> RedirectResponse:
    """Delete a draft; the audit trail keeps who deleted it and when."""
    svc.delete_draft(assessment_id)
    return redirect(request, "/assess?deleted=1")
