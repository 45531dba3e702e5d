"""Consented sharing, company side: one assessment's results shared with a programme server.

Only scores, levels and the chosen roadmap steps leave the company, never machine data. A share
or revoke writes its outbox row in the same transaction as the action and its audit row (the
store is the outbox); ``sharing_outbox`` delivers it and marks it done once the programme confirms.
"""

from __future__ import annotations

import ipaddress
import json
import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

from pabrik.model.errors import InvalidRequestError, NotFoundError
from pabrik.runtime.assess.service import Assessments
from pabrik.storage.accounts import AuditLogRow
from pabrik.storage.sharing import OutboxRow, ShareRow

SHARING, SHARED, REVOKING, REVOKED = "sharing", "shared", "revoking", "revoked"
ACTIVE = (SHARING, SHARED)
MAX_URL = 500
MAX_TOKEN = 200
# What a share sends (docs/federation.md); nothing else about the company leaves it.
SHARED_FIELDS = (
    "share_id", "model_id", "model_version", "year", "overall", "level", "pillars", "fields",
    "steps", "provenance", "assessor", "company",
)  # fmt: skip

ShareRecord = ShareRow
"""The share row as the delivery layers read it (they never import storage)."""


@dataclass(frozen=True, slots=True)
class ShareView:
    """A share as the company sees it: where to, its state, and the last delivery error."""

    row: ShareRow

    @property
    def host(self) -> str:
        """The programme server's host name."""
        return urlsplit(self.row.programme_url).hostname or self.row.programme_url


def check_programme_url(url: str) -> str:
    """An https URL, or http only to this machine (a local test); no credentials, no query."""
    url = url.strip().rstrip("/")
    parts = urlsplit(url)
    host = parts.hostname or ""
    ok = (
        len(url) <= MAX_URL
        and parts.scheme in {"https", "http"}
        and host
        and not parts.username
        and not parts.password
        and not parts.query
        and not parts.fragment
    )
    if ok and parts.scheme == "http" and not _loopback(host):
        ok = False
    if not ok:
        raise InvalidRequestError("the programme address must be an https URL", reason="bad_url")
    return url


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_token(token: str) -> str:
    token = token.strip()
    if not token or len(token) > MAX_TOKEN or not token.isascii() or not token.isprintable():
        raise InvalidRequestError("a registration token is needed", reason="bad_token")
    return token


def _assessor(service: Assessments, assessment_id: str) -> str:
    """Who closed the verification (empty for a self-assessment)."""
    closed = [
        a.actor
        for a in service.audit(assessment_id)
        if a.action == "status" and a.after_json == json.dumps("verified")
    ]
    return closed[-1] if closed else ""


def _steps(service: Assessments, assessment_id: str) -> list[str]:
    try:
        return [s.practice_id for s in service.roadmap(assessment_id).steps]
    except (InvalidRequestError, NotFoundError):
        return []


def _company(service: Assessments) -> dict[str, str | None]:
    tenant = service.store.tenant(service.tenant_id)
    if tenant is not None:
        return {"kbli": tenant.kbli, "province": tenant.province, "size": tenant.size}
    company = service.company()
    return {"kbli": company.sector, "province": company.province, "size": str(company.size)}


def share_payload(service: Assessments, assessment_id: str, share_id: str) -> dict[str, object]:
    """What the programme receives: scores, levels, chosen roadmap steps and provenance."""
    row = service.get(assessment_id)
    if row.status not in ("self_assessed", "verified"):
        raise InvalidRequestError(
            "only a submitted or verified assessment can be shared", reason="not_scored"
        )
    result = service.require_result(assessment_id)
    verified = row.status == "verified"
    return {
        "share_id": share_id,
        "model_id": result.model_id,
        "model_version": result.model_version,
        "year": service.assessment_date(assessment_id).year,
        "overall": round(float(result.overall), 4),
        "level": result.level,
        "pillars": {p.pillar_id: round(float(p.score), 4) for p in result.pillars},
        "fields": {f.field_id: round(float(f.score), 4) for f in result.fields},
        "steps": _steps(service, assessment_id),
        "provenance": "verified" if verified else "self_assessed",
        "assessor": _assessor(service, assessment_id) if verified else "",
        "company": _company(service),
    }


class Sharing:
    """A tenant's shares: start one, revoke one, list them (each action audited)."""

    def __init__(self, service: Assessments) -> None:
        self.service = service
        self.store = service.store
        self.tenant_id = service.tenant_id

    def _audit(self, actor: str, action: str, share: ShareRow, after: object) -> AuditLogRow:
        subject = f"{share.assessment_id} -> {share.programme_url}"
        return AuditLogRow(
            self.tenant_id, actor, action, subject, None, json.dumps(after), self.service.clock()
        )

    def share(
        self, assessment_id: str, programme_url: str, token: str, actor: str, consent: bool
    ) -> ShareRow:
        """Share an assessment's results with a programme (delivered by the outbox)."""
        if not consent:
            raise InvalidRequestError("consent is required", reason="no_consent")
        url, token = check_programme_url(programme_url), _check_token(token)
        if any(s.programme_url == url and s.status in ACTIVE for s in self.shares(assessment_id)):
            raise InvalidRequestError("already shared with this programme", reason="shared_already")
        share_id = uuid.uuid4().hex
        payload = share_payload(self.service, assessment_id, share_id)
        now = self.service.clock()
        row = ShareRow(
            self.tenant_id, share_id, assessment_id, url, token, SHARING, actor, now, now
        )
        outbox = OutboxRow(
            self.tenant_id, share_id, "share", uuid.uuid4().hex, json.dumps(payload), now
        )
        after = {"share": share_id, "sent": sorted(payload)}
        self.store.save_share(row, outbox, self._audit(actor, "programme.share", row, after))
        return row

    def revoke(self, share_id: str, actor: str) -> ShareRow:
        """Take a share back: the programme deletes the results (delivered by the outbox)."""
        row = self.store.share(self.tenant_id, share_id)
        if row is None:
            raise NotFoundError("share not found", share=share_id)
        if row.status not in ACTIVE:
            return row
        now = self.service.clock()
        updated = ShareRow(
            row.tenant_id, row.id, row.assessment_id, row.programme_url, row.token, REVOKING,
            row.shared_by, row.created_at, now, revoked_by=actor,
        )  # fmt: skip
        outbox = OutboxRow(self.tenant_id, share_id, "revoke", uuid.uuid4().hex, "{}", now)
        audit = self._audit(actor, "programme.revoke", row, {"share": share_id})
        self.store.save_share(updated, outbox, audit)
        return updated

    def get(self, share_id: str, assessment_id: str | None = None) -> ShareRow:
        """One share of the tenant (of that assessment), or ``NotFoundError``."""
        row = self.store.share(self.tenant_id, share_id)
        if row is None or (assessment_id is not None and row.assessment_id != assessment_id):
            raise NotFoundError("share not found", share=share_id)
        return row

    def shares(self, assessment_id: str | None = None) -> list[ShareRow]:
        """The tenant's shares (of one assessment), newest first."""
        return self.store.shares(self.tenant_id, assessment_id)
