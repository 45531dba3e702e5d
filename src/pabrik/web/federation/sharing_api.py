"""Company side of consented sharing as JSON: list, share and revoke an assessment's shares."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from pabrik.runtime.federation.sharing import ShareRecord, Sharing
from pabrik.web.auth import ScopeDep
from pabrik.web.deps import AssessmentsDep
from pabrik.web.federation.sharing import send_now
from pabrik.web.schemas import ErrorPublic

api = APIRouter(
    prefix="/api/v1/assessments",
    tags=["sharing"],
    responses={
        401: {"model": ErrorPublic, "description": "Not logged in"},
        403: {"model": ErrorPublic, "description": "Only a company admin shares"},
        404: {"model": ErrorPublic, "description": "No such assessment or share"},
        422: {"model": ErrorPublic, "description": "Not shareable (address, token, consent)"},
    },
)


class ShareCreate(BaseModel):
    """Where to share, with which registration token, and the admin's explicit consent."""

    programme_url: str = Field(max_length=500)
    token: str = Field(max_length=200)
    consent: bool = False
    """Must be true: only scores, levels and chosen roadmap steps are shared."""


class SharePublic(BaseModel):
    """A share (the token is never shown again)."""

    id: str
    assessment_id: str
    programme_url: str
    status: str
    """sharing, shared, revoking or revoked."""
    shared_by: str
    created_at: str
    updated_at: str
    revoked_by: str
    last_error: str

    @classmethod
    def of(cls, s: ShareRecord) -> SharePublic:
        """From the stored share."""
        return cls(
            id=s.id,
            assessment_id=s.assessment_id,
            programme_url=s.programme_url,
            status=s.status,
            shared_by=s.shared_by,
            created_at=s.created_at.isoformat(),
            updated_at=s.updated_at.isoformat(),
            revoked_by=s.revoked_by,
            last_error=s.last_error,
        )


@api.get("/{assessment_id}/shares", summary="Where an assessment's results are shared")
def list_shares(assessment_id: str, svc: AssessmentsDep) -> list[SharePublic]:
    """Every share of the assessment, newest first."""
    svc.get(assessment_id)
    return [SharePublic.of(s) for s in Sharing(svc).shares(assessment_id)]


@api.post("/{assessment_id}/shares", status_code=201, summary="Share with a programme")
async def create_share(
    assessment_id: str, body: ShareCreate, svc: AssessmentsDep, scope: ScopeDep
) -> SharePublic:
    """Share the results; delivery is tried at once and retried from the outbox."""
    sharing = Sharing(svc)
    row = sharing.share(assessment_id, body.programme_url, body.token, scope.actor, body.consent)
    await send_now(svc)
    return SharePublic.of(sharing.get(row.id))


@api.delete("/{assessment_id}/shares/{share_id}", summary="Take a share back")
async def revoke_share(
    assessment_id: str, share_id: str, svc: AssessmentsDep, scope: ScopeDep
) -> SharePublic:
    """The programme deletes the results (tried at once, retried from the outbox)."""
    sharing = Sharing(svc)
    sharing.get(share_id, assessment_id)
    sharing.revoke(share_id, scope.actor)
    await send_now(svc)
    return SharePublic.of(sharing.get(share_id))
