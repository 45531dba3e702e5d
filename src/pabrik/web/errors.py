"""Map errors to HTTP: JSON under ``/api/``, an HTML page elsewhere."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from pabrik.model.errors import PabrikError
from pabrik.present.formatting import Formatter
from pabrik.present.labels import error_message
from pabrik.web.deps import request_locale, web_state
from pabrik.web.plant.schemas import ErrorBody, ErrorPublic

STATUS_BY_CODE: dict[str, int] = {
    "not_found": 404,
    "invalid_request": 422,
    "method_not_allowed": 405,
    "config_invalid": 500,
    "store_unavailable": 503,
    "port_in_use": 500,
}
CODE_BY_STATUS: dict[int, str] = {
    404: "not_found",
    405: "method_not_allowed",
    422: "invalid_request",
}


def error_response(request: Request, code: str, details: dict[str, Any]) -> Response:
    """The JSON or HTML response for an error code."""
    state = web_state(request)
    translator = state.catalogues.get(request_locale(request))
    status = STATUS_BY_CODE.get(code, 500)
    message = error_message(translator, code, details.get("reason"))
    if request.url.path.startswith("/api/"):
        body = ErrorPublic(error=ErrorBody(code=code, message=message, details=details))
        return JSONResponse(body.model_dump(mode="json"), status_code=status)
    formatter = Formatter(translator, state.runtime.plant.calendar.timezone)
    context = {"status": status, "code": code, "message": message, "details": details}
    return state.renderer.render(request, "error.html", formatter, context, status_code=status)


async def on_pabrik_error(request: Request, exc: Exception) -> Response:
    """A domain error, by its stable code."""
    assert isinstance(exc, PabrikError)
    details = _jsonable(exc.details)
    if exc.message != exc.code:
        details.setdefault("detail", exc.message)
    return error_response(request, exc.code, details)


async def on_http_error(request: Request, exc: Exception) -> Response:
    """A routing or protocol error (unknown path, wrong method)."""
    assert isinstance(exc, HTTPException)
    code = CODE_BY_STATUS.get(exc.status_code, "internal")
    return error_response(request, code, {"path": request.url.path})


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
