"""Company side of consented sharing: share one assessment with a programme, and revoke it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from pabrik.model.errors import InvalidRequestError
from pabrik.present.federation.labels import share_reason
from pabrik.present.formatting import Formatter
from pabrik.runtime.assess.service import Assessments
from pabrik.runtime.federation.sharing import SHARED_FIELDS, Sharing
from pabrik.runtime.federation.sharing_outbox import deliver_due, https_transport
from pabrik.web.assess.responses import redirect
from pabrik.web.auth import ScopeDep
from pabrik.web.deps import AssessmentsDep, FormatterDep, RendererDep

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)


async def send_now(svc: Assessments) -> None:
    """Try the outbox at once (a failure stays queued and is retried later)."""
    await run_in_threadpool(deliver_due, svc.store, https_transport(), svc.clock)


def _page(
    request: Request,
    svc: Assessments,
    assessment_id: str,
    renderer: RendererDep,
    fmt: Formatter,
    *,
    error: str = "",
    status: int = 200,
) -> Response:
    context = {
        "row": svc.get(assessment_id),
        "shares": Sharing(svc).shares(assessment_id),
        "fields": SHARED_FIELDS,
        "error": error,
        "page": "assess",
    }
    return renderer.render(request, "federation/share.html", fmt, context, status_code=status)


@router.get("/assess/{assessment_id}/share")
def share_page(
    request: Request,
    assessment_id: str,
    svc: AssessmentsDep,
    renderer: RendererDep,
    fmt: FormatterDep,
) -> Response:
    """Where this assessment's results are shared, and a form to share them with a programme."""
    return _page(request, svc, assessment_id, renderer, fmt)


@router.post("/assess/{assessment_id}/share")
async def share(
    request: Request,
    assessment_id: str,
    svc: AssessmentsDep,
    scope: ScopeDep,
    renderer: RendererDep,
    fmt: FormatterDep,
    programme_url: Annotated[str, Form(max_length=600)] = "",
    token: Annotated[str, Form(max_length=400)] = "",
    consent: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Share the scores, levels and chosen roadmap steps (explicit consent required)."""
    try:
        Sharing(svc).share(assessment_id, programme_url, token, scope.actor, consent == "yes")
    except InvalidRequestError as err:
        message = share_reason(fmt.translator, err.details.get("reason"))
        return _page(request, svc, assessment_id, renderer, fmt, error=message, status=422)
    await send_now(svc)
    return redirect(request, f"/assess/{assessment_id}/share")


@router.post("/assess/{assessment_id}/share/{share_id}/revoke")
async def revoke(
    request: Request, assessment_id: str, share_id: str, svc: AssessmentsDep, scope: ScopeDep
) -> Response:
    """Take the results back: the programme deletes them."""
    sharing = Sharing(svc)
    sharing.get(share_id, assessment_id)
    sharing.revoke(share_id, scope.actor)
    await send_now(svc)
    return redirect(request, f"/assess/{assessment_id}/share")


@router.post("/assess/{assessment_id}/share/retry")
async def retry(request: Request, assessment_id: str, svc: AssessmentsDep) -> Response:
    """Try undelivered shares and revokes again now."""
    svc.get(assessment_id)
    await send_now(svc)
    return redirect(request, f"/assess/{assessment_id}/share")
