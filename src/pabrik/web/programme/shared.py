"""Programme side of consented sharing: deliveries, withdrawals and registration tokens."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Form, Header, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel

from pabrik.model.errors import InvalidRequestError
from pabrik.present.federation.labels import share_reason
from pabrik.present.formatting import Formatter
from pabrik.runtime.accounts.errors import AuthenticationError
from pabrik.runtime.programme.shared import Issued, ProgrammeSharing, RegistrationRecord
from pabrik.web.accounts.navigation import redirect
from pabrik.web.auth import ScopeDep
from pabrik.web.deps import FormatterDep, RendererDep
from pabrik.web.programme.routes import _source
from pabrik.web.schemas import ErrorPublic

MAX_BODY = 64 * 1024
api = APIRouter(
    prefix="/api/v1/programme",
    tags=["programme"],
    responses={
        401: {"model": ErrorPublic, "description": "Unknown or revoked registration token"},
        422: {"model": ErrorPublic, "description": "Not a valid shared result"},
    },
)
pages = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)


class SharedPublic(BaseModel):
    """What the programme did with a delivery."""

    share_id: str
    stored: bool
    """False when this idempotency key had been received already (nothing changed)."""


def _sharing(request: Request) -> ProgrammeSharing:
    return ProgrammeSharing(_source(request))


def _json(body: bytes) -> object:
    """The body as JSON (small, and not nested beyond reason), or a 422."""
    problem = InvalidRequestError("the body is not a JSON object", reason="bad_share")
    if len(body) > MAX_BODY:
        raise problem
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as err:
        raise problem from err


def _registration(request: Request, authorization: str | None) -> RegistrationRecord:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer":
        raise AuthenticationError("a registration token is needed")
    return _sharing(request).authenticate(token.strip())


@api.post("/shared", summary="Receive one company's shared assessment results")
async def post_shared(
    request: Request,
    authorization: Annotated[str | None, Header()] = None,
    idempotency_key: Annotated[str, Header(max_length=200)] = "",
) -> SharedPublic:
    """Scores, levels and roadmap steps, sent with the company's registration token."""
    registration = _registration(request, authorization)
    data = _json(await request.body())
    if not idempotency_key:
        raise InvalidRequestError("an Idempotency-Key header is needed", reason="bad_share")
    stored = _sharing(request).receive(registration, data, idempotency_key)
    share_id = data.get("share_id") if isinstance(data, dict) else None
    return SharedPublic(share_id=str(share_id), stored=stored)


@api.delete(
    "/shared/{share_id}",
    summary="Withdraw a company's shared results",
    status_code=204,
    response_class=Response,
    responses={404: {"model": ErrorPublic, "description": "No such shared result"}},
)
def delete_shared(
    request: Request, share_id: str, authorization: Annotated[str | None, Header()] = None
) -> Response:
    """The company revoked its consent: the results are deleted (and the deletion audited)."""
    registration = _registration(request, authorization)
    if not _sharing(request).withdraw(registration, share_id):
        return Response(status_code=404)
    return Response(status_code=204)


def _page(
    request: Request,
    renderer: RendererDep,
    fmt: Formatter,
    *,
    issued: Issued | None = None,
    error: str = "",
    status: int = 200,
) -> Response:
    context = {
        "registrations": _sharing(request).registrations(),
        "issued": issued,
        "error": error,
        "page": "programme",
    }
    return renderer.render(
        request, "federation/registrations.html", fmt, context, status_code=status
    )


@pages.get("/programme/registrations")
def registrations_page(request: Request, renderer: RendererDep, fmt: FormatterDep) -> Response:
    """Companies that may share results with this programme, and a form to register one."""
    return _page(request, renderer, fmt)


@pages.post("/programme/registrations")
def register(
    request: Request,
    scope: ScopeDep,
    renderer: RendererDep,
    fmt: FormatterDep,
    name: Annotated[str, Form(max_length=400)] = "",
    registration_no: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """Issue a registration token to a company; the token is shown this once."""
    try:
        issued = _sharing(request).issue(scope, name, registration_no)
    except InvalidRequestError as err:
        message = share_reason(fmt.translator, err.details.get("reason"))
        return _page(request, renderer, fmt, error=message, status=422)
    return _page(request, renderer, fmt, issued=issued)


@pages.post("/programme/registrations/{registration_id}/revoke")
def unregister(request: Request, registration_id: str, scope: ScopeDep) -> Response:
    """Refuse a registration token from now on."""
    _sharing(request).revoke_registration(scope, registration_id)
    return redirect(request, "/programme/registrations")
