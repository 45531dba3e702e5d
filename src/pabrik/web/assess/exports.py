"""Assessment downloads: scores as CSV, answers as JSON, YAML or CSV, and evidence files."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from pabrik.model.errors import InvalidRequestError
from pabrik.runtime.assess.formats import export_answers, scores_csv
from pabrik.web.assess.responses import download
from pabrik.web.deps import AssessmentsDep, FormatterDep

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

EXPORT_TYPES = {
    "json": "application/json",
    "yaml": "application/yaml; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
}


@router.get("/assess/{assessment_id}/scores.csv")
def scores(assessment_id: str, svc: AssessmentsDep, fmt: FormatterDep) -> Response:
    """The overall, pillar and field scores as CSV."""
    row = svc.get(assessment_id)
    text = scores_csv(svc.model_of(row), svc.require_result(assessment_id), fmt.locale)
    return download(text.encode("utf-8"), EXPORT_TYPES["csv"], f"scores-{assessment_id}.csv")


@router.get("/assess/{assessment_id}/answers.{fmt_name}")
def answers_export(assessment_id: str, fmt_name: str, svc: AssessmentsDep) -> Response:
    """The answers as JSON, YAML or CSV."""
    if fmt_name not in EXPORT_TYPES:
        raise InvalidRequestError(f"unknown format '{fmt_name}'", reason="bad_format")
    row = svc.get(assessment_id)
    text = export_answers(svc.model_of(row), svc.answers(row.id), fmt_name)
    name = f"answers-{assessment_id}.{fmt_name}"
    return download(text.encode("utf-8"), EXPORT_TYPES[fmt_name], name)


@router.get("/assess/attachments/{attachment_id}")
def attachment(attachment_id: str, svc: AssessmentsDep) -> Response:
    """An evidence file, always as a download with its checked type, never rendered as a page."""
    record, data = svc.attachment(attachment_id)
    safe = record.filename.encode("ascii", "replace").decode("ascii").replace("?", "_")
    response = download(data, record.content_type, safe)
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
