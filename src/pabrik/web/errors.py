"""One code-to-status table and one responder: JSON under /api/, an HTML page elsewhere."""

from __future__ import annotations

from typing import Any, Final
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException

from pabrik.assessment.scoring import AnswerError
from pabrik.model.errors import PabrikError
from pabrik.present.accounts import labels as account_labels
from pabrik.present.assess import labels as assess_labels
from pabrik.present.formatting import Formatter
from pabrik.present.i18n import N_, Translator
from pabrik.present.labels import ERROR_KEYS, ERROR_REASON_KEYS, coded
from pabrik.web.deps import request_locale, web_state
from pabrik.web.schemas import ErrorBody, ErrorPublic

# Every error code the web answers, by ``PabrikError.code`` or an HTTP-level code. A subclass
# that keeps its parent's code shares its row; tests check every PabrikError resolves here.
STATUS_BY_CODE: Final[dict[str, int]] = {
    "not_found": 404,
    "invalid_request": 422,
    "answers_invalid": 422,
    "attachment_rejected": 422,
    "unauthenticated": 401,
    "forbidden": 403,
    "csrf_failed": 403,
    "rate_limited": 429,
    "bad_request": 400,
    "payload_too_large": 413,
    "config_invalid": 500,
    "port_in_use": 500,
    "backup_invalid": 500,
    "store_unavailable": 503,
    "connector_unavailable": 503,
    "method_not_allowed": 405,
    "internal": 500,
}
# Where a reason changes the status: an attachment that is merely too large.
STATUS_BY_REASON: Final[dict[tuple[str, str], int]] = {("attachment_rejected", "size"): 413}
# Starlette's own errors (unknown path, wrong method), named by our codes.
CODE_BY_STATUS: Final[dict[int, str]] = {
    400: "bad_request",
    413: "payload_too_large",
    404: "not_found",
    405: "method_not_allowed",
    422: "invalid_request",
}
# Access errors tell nothing beyond the wait: not whether an account exists, nor which check failed.
QUIET_CODES: Final[frozenset[str]] = frozenset(account_labels.ERROR_KEYS)
QUIET_DETAILS: Final[frozenset[str]] = frozenset({"minutes"})

MESSAGE_KEYS: Final[dict[str, str]] = {
    **ERROR_KEYS,
    **account_labels.ERROR_KEYS,
    **assess_labels.ERROR_KEYS,
    "bad_request": N_("error.bad_request"),
    "payload_too_large": N_("error.payload_too_large"),
}
REASON_KEYS: Final[dict[str, str]] = {**account_labels.REASON_KEYS, **ERROR_REASON_KEYS}
# Reasons whose words depend on the code they qualify ("size" of an upload).
REASON_KEYS_BY_CODE: Final[dict[str, dict[str, str]]] = {
    "attachment_rejected": assess_labels.ATTACHMENT_REASON_KEYS,
}
FALLBACK_STATUS = 500
SEE_OTHER = 303
SECONDS_PER_MINUTE = 60


def status_of(error: type[PabrikError]) -> int | None:
    """The HTTP status of an error class: its own code's row, else its nearest ancestor's."""
    for cls in error.__mro__:
        code = vars(cls).get("code")
        if isinstance(code, str) and code in STATUS_BY_CODE:
            return STATUS_BY_CODE[code]
    return None


def message_of(translator: Translator, code: str, reason: object = None) -> str:
    """The translated message for a code, made specific by a known reason."""
    if code not in QUIET_CODES and reason is not None:
        reasons = REASON_KEYS_BY_CODE.get(code, REASON_KEYS)
        if str(reason) in reasons:
            return translator.gettext(reasons[str(reason)])
    return translator.gettext(MESSAGE_KEYS.get(code, MESSAGE_KEYS["pabrik_error"]))


def is_api(request: Request) -> bool:
    """Whether the caller is a program (JSON) rather than a person at a browser (a page)."""
    path = request.url.path
    return path.startswith("/api/") or path == "/metrics" or "authorization" in request.headers


def error_response(
    request: Request, code: str, details: dict[str, Any], status: int | None = None
) -> Response:
    """The JSON or HTML response for an error code."""
    state = web_state(request)
    translator = state.catalogues.get(request_locale(request))
    status = status or STATUS_BY_CODE.get(code, FALLBACK_STATUS)
    message = message_of(translator, code, details.get("reason"))
    headers = _headers(status, details)
    if is_api(request):
        body = ErrorPublic(error=ErrorBody(code=code, message=message, details=details))
        return JSONResponse(body.model_dump(mode="json"), status_code=status, headers=headers)
    formatter = Formatter(translator, state.runtime.plant.calendar.timezone)
    context = {"status": status, "code": code, "message": message, "details": details}
    page = state.renderer.render(request, "error.html", formatter, context, status_code=status)
    page.headers.update(headers)
    return page


def _headers(status: int, details: dict[str, Any]) -> dict[str, str]:
    if status == 401:
        return {"WWW-Authenticate": "Bearer"}
    if status == 429:
        return {"Retry-After": str(int(details.get("minutes", 1)) * SECONDS_PER_MINUTE)}
    return {}


async def on_pabrik_error(request: Request, exc: Exception) -> Response:
    """A domain error, by its stable code; a page asks a person to log in and come back."""
    assert isinstance(exc, PabrikError)
    if exc.code == "unauthenticated" and _wants_login_page(request):
        return _to_login(request)
    status = status_of(type(exc)) or FALLBACK_STATUS
    reason = str(exc.details.get("reason", ""))
    status = STATUS_BY_REASON.get((exc.code, reason), status)
    return error_response(request, exc.code, _details(request, exc), status)


def _wants_login_page(request: Request) -> bool:
    return not is_api(request) and request.method in {"GET", "HEAD"}


def _to_login(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    root = request.scope.get("root_path", "")
    return RedirectResponse(f"{root}/login?next={quote(target)}", status_code=SEE_OTHER)


def _details(request: Request, exc: PabrikError) -> dict[str, Any]:
    """What the answer may tell about the error, as plain JSON values."""
    if exc.code in QUIET_CODES:
        return {k: v for k, v in _jsonable(exc.details).items() if k in QUIET_DETAILS}
    details = _jsonable(exc.details)
    if exc.message != exc.code:
        details.setdefault("detail", exc.message)
    if isinstance(exc, AnswerError):
        details["issues"] = _issues(request, exc)
    return details


def _issues(request: Request, exc: AnswerError) -> list[dict[str, str]]:
    """One problem per question, each in the request's language."""
    t = web_state(request).catalogues.get(request_locale(request))
    return [
        {
            "question": i.question_id,
            "code": i.code,
            "detail": i.detail,
            "message": coded(t, assess_labels.ISSUE_KEYS, i.code),
        }
        for i in exc.issues
    ]


async def on_http_error(request: Request, exc: Exception) -> Response:
    """A routing or protocol error (unknown path, wrong method)."""
    assert isinstance(exc, HTTPException)
    code = CODE_BY_STATUS.get(exc.status_code, "internal")
    return error_response(request, code, {"path": request.url.path}, exc.status_code)


async def on_validation_error(request: Request, exc: Exception) -> Response:
    """Query or path parameters that do not validate."""
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"loc": [str(part) for part in err.get("loc", ())], "message": str(err.get("msg", ""))}
        for err in exc.errors()
    ]
    return error_response(request, "invalid_request", {"errors": errors})


def _jsonable(details: dict[str, Any]) -> dict[str, Any]:
    return {key: value if _is_plain(value) else str(value) for key, value in details.items()}


def _is_plain(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers on the app."""
    app.add_exception_handler(PabrikError, on_pabrik_error)
    app.add_exception_handler(HTTPException, on_http_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
