"""HTTP answers for assessment errors: per-question problems and refused uploads are 422."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from pabrik.assessment.scoring import AnswerError
from pabrik.present.assess.labels import ATTACHMENT_REASON_KEYS, ERROR_KEYS, ISSUE_KEYS
from pabrik.present.formatting import Formatter
from pabrik.present.labels import coded
from pabrik.runtime.assess.files import AttachmentRejectedError
from pabrik.web.deps import request_locale, web_state
from pabrik.web.plant.schemas import ErrorBody, ErrorPublic

UNPROCESSABLE = 422
TOO_LARGE = 413


def _respond(
    request: Request, code: str, message: str, details: dict[str, object], status: int
) -> Response:
    if request.url.path.startswith("/api/"):
        body = ErrorPublic(error=ErrorBody(code=code, message=message, details=details))
        return JSONResponse(body.model_dump(mode="json"), status_code=status)
    state = web_state(request)
    translator = state.catalogues.get(request_locale(request))
    formatter = Formatter(translator, state.runtime.plant.calendar.timezone)
    context = {"status": status, "code": code, "message": message, "details": details}
    return state.renderer.render(request, "error.html", formatter, context, status_code=status)


async def on_answer_error(request: Request, exc: Exception) -> Response:
    """Answers that do not fit the model: one problem per question."""
    assert isinstance(exc, AnswerError)
    t = web_state(request).catalogues.get(request_locale(request))
    issues = [
        {
            "question": i.question_id,
            "code": i.code,
            "detail": i.detail,
            "message": coded(t, ISSUE_KEYS, i.code),
        }
        for i in exc.issues
    ]
    message = t.gettext(ERROR_KEYS["answers_invalid"])
    return _respond(request, exc.code, message, {"issues": issues, **exc.details}, UNPROCESSABLE)


async def on_attachment_rejected(request: Request, exc: Exception) -> Response:
    """An upload outside the allow-list, too large or not what it claims to be."""
    assert isinstance(exc, AttachmentRejectedError)
    t = web_state(request).catalogues.get(request_locale(request))
    reason = str(exc.details.get("reason", "content"))
    message = coded(t, ATTACHMENT_REASON_KEYS, reason)
    status = TOO_LARGE if reason == "size" else UNPROCESSABLE
    details = {k: v if isinstance(v, str | int) else str(v) for k, v in exc.details.items()}
    return _respond(request, exc.code, message, {**details, "detail": exc.message}, status)


def install_assessment_handlers(app: FastAPI) -> None:
    """Register the assessment error handlers."""
    app.add_exception_handler(AnswerError, on_answer_error)
    app.add_exception_handler(AttachmentRejectedError, on_attachment_rejected)
