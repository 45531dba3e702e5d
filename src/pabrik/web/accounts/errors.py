"""HTTP answers for access errors: 401 (or the login page), 403 and 429, with no detail."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from pabrik.model.errors import PabrikError
from pabrik.present.accounts.labels import ERROR_KEYS
from pabrik.present.formatting import Formatter
from pabrik.runtime.accounts.errors import (
    AuthenticationError,
    CsrfError,
    ForbiddenError,
    RateLimitedError,
)
from pabrik.web.deps import request_locale, web_state
from pabrik.web.plant.schemas import ErrorBody, ErrorPublic

STATUS = {"unauthenticated": 401, "forbidden": 403, "csrf_failed": 403, "rate_limited": 429}
SEE_OTHER = 303


def _is_api(request: Request) -> bool:
    path = request.url.path
    return path.startswith("/api/") or path == "/metrics" or "authorization" in request.headers


def _respond(request: Request, exc: PabrikError) -> Response:
    state = web_state(request)
    translator = state.catalogues.get(request_locale(request))
    status = STATUS[exc.code]
    message = translator.gettext(ERROR_KEYS[exc.code])
    # Only the wait is told; never whether the account exists or which check failed.
    details: dict[str, object] = {}
    if isinstance(exc, RateLimitedError):
        details["minutes"] = exc.details.get("minutes", 1)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else {}
    if _is_api(request):
        body = ErrorPublic(error=ErrorBody(code=exc.code, message=message, details=details))
        return JSONResponse(body.model_dump(mode="json"), status_code=status, headers=headers)
    formatter = Formatter(translator, state.runtime.plant.calendar.timezone)
    context = {"status": status, "code": exc.code, "message": message, "details": details}
    return state.renderer.render(request, "error.html", formatter, context, status_code=status)


async def on_unauthenticated(request: Request, exc: Exception) -> Response:
    """A page asks the person to log in and come back; the API answers 401."""
    assert isinstance(exc, AuthenticationError)
    if not _is_api(request) and request.method in {"GET", "HEAD"}:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        root = request.scope.get("root_path", "")
        return RedirectResponse(f"{root}/login?next={quote(target)}", status_code=SEE_OTHER)
    return _respond(request, exc)


async def on_refused(request: Request, exc: Exception) -> Response:
    """A role that may not, a forged form, or too many failed logins."""
    assert isinstance(exc, ForbiddenError | CsrfError | RateLimitedError)
    return _respond(request, exc)


def install_account_handlers(app: FastAPI) -> None:
    """Register the handlers on the app."""
    app.add_exception_handler(AuthenticationError, on_unauthenticated)
    app.add_exception_handler(ForbiddenError, on_refused)
    app.add_exception_handler(CsrfError, on_refused)
    app.add_exception_handler(RateLimitedError, on_refused)
