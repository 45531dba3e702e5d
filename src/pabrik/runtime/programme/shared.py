"""Consented sharing, programme side: registration tokens, receiving and deleting shared results.

The programme admin issues a registration token to one company (by its NIB). The company's
pabrik sends one assessment's scores, levels and chosen roadmap steps with that token; the
result is the programme's primary source for that company, and revoking deletes it. Every
change is audited here, as on the company's side.
"""

from __future__ import annotations

import json
import math
import uuid
from dataclasses import dataclass

from pabrik.model.errors import InvalidRequestError, NotFoundError
from pabrik.runtime.accounts.credentials import new_secret, secret_hash
from pabrik.runtime.accounts.errors import AuthenticationError
from pabrik.runtime.accounts.tenancy import TenantScope
from pabrik.runtime.assess.service import Assessments
from pabrik.runtime.programme import reference
from pabrik.storage.accounts import AuditLogRow, ProgrammeResultRow, TenantRow
from pabrik.storage.sharing import RegistrationRow, SharedResultRow, SharedSave

TOKEN_PREFIX = "pgr_"  # noqa: S105 - a public marker, not a secret
FIRST_YEAR = 2015
MAX_STEPS = 200
PROVENANCES = ("self_assessed", "verified")

RegistrationRecord = RegistrationRow
"""A registration as the delivery layers read it (they never import storage)."""


@dataclass(frozen=True, slots=True)
class Issued:
    """A new registration and its token, shown once."""

    registration: RegistrationRow
    company: str
    token: str


class ProgrammeSharing:
    """The programme server's side of consented sharing."""

    def __init__(self, service: Assessments) -> None:
        self.service = service
        self.store = service.store

    def _audit(
        self, tenant: str | None, actor: str, action: str, subject: str, after: object
    ) -> AuditLogRow:
        return AuditLogRow(
            tenant, actor, action, subject, None, json.dumps(after), self.service.clock()
        )

    def issue(self, scope: TenantScope, name: str, registration_no: str) -> Issued:
        """A registration token for the company with this NIB (created when new)."""
        nib = reference.registration_no(registration_no)
        tenant = self.store.tenant_by_registration(nib)
        now = self.service.clock()
        if tenant is None:
            if not name.strip() or len(name) > 200:
                raise InvalidRequestError("a company needs a name", reason="bad_name")
            tenant_id = f"nib-{nib}"
            if self.store.tenant(tenant_id) is not None:
                raise InvalidRequestError("that tenant id is taken", reason="tenant_exists")
            tenant = TenantRow(tenant_id, name.strip(), nib, None, None, "medium", "[]", now, now)
            audit = self._audit(tenant_id, scope.actor, "tenant.create", tenant_id, {"nib": nib})
            self.store.save_tenant(tenant, [audit])
        token = new_secret(TOKEN_PREFIX)
        row = RegistrationRow(uuid.uuid4().hex, tenant.id, secret_hash(token), scope.actor, now)
        audit = self._audit(tenant.id, scope.actor, "programme.register", row.id, {"nib": nib})
        self.store.save_registration(row, audit)
        return Issued(row, tenant.name, token)

    def revoke_registration(self, scope: TenantScope, registration_id: str) -> None:
        """Refuse the token from now on (results already shared stay until revoked)."""
        found = [r for r in self.store.registrations() if r.id == registration_id]
        if not found:
            raise NotFoundError("registration not found", registration=registration_id)
        row = found[0]
        if row.revoked_at is None:
            closed = RegistrationRow(
                row.id, row.tenant_id, row.token_hash, row.created_by, row.created_at,
                self.service.clock(),
            )  # fmt: skip
            audit = self._audit(row.tenant_id, scope.actor, "programme.unregister", row.id, {})
            self.store.save_registration(closed, audit)

    def registrations(self) -> list[tuple[RegistrationRow, str]]:
        """Every registration with its company's name, newest first."""
        names = {t.id: t.name for t in self.store.tenants()}
        return [(r, names.get(r.tenant_id, r.tenant_id)) for r in self.store.registrations()]

    def authenticate(self, token: str) -> RegistrationRow:
        """The live registration of a token, or ``AuthenticationError``."""
        row = self.store.registration_by_hash(secret_hash(token)) if token else None
        if row is None or row.revoked_at is not None:
            raise AuthenticationError("unknown or revoked registration token")
        return row

    def receive(self, registration: RegistrationRow, data: object, key: str) -> bool:
        """Store a shared result after checking it; False when this key was received already.

        A share id the company withdrew is refused for good (``share_withdrawn``), so a delivery
        delayed past its revoke never makes the result shared again.
        """
        row = self._checked(registration, data, key)
        subject = row.share_id
        after = {"share": row.share_id, "year": row.year, "verified": row.verified}
        audit = self._audit(row.tenant_id, "programme-share", "programme.shared", subject, after)
        saved = self.store.save_shared_result(row, audit)
        if saved is SharedSave.WITHDRAWN:
            raise InvalidRequestError(
                "this share was withdrawn by the company", reason="share_withdrawn"
            )
        return saved is SharedSave.STORED

    def withdraw(self, registration: RegistrationRow, share_id: str) -> bool:
        """Delete a company's shared result; whether there was one."""
        tenant = registration.tenant_id
        audit = self._audit(tenant, "programme-share", "programme.withdrawn", share_id, {})
        return self.store.delete_shared_result(tenant, share_id[:64], audit)

    def _checked(self, registration: RegistrationRow, data: object, key: str) -> SharedResultRow:
        if not isinstance(data, dict):
            raise _bad("the body must be a JSON object")
        try:
            model = self.service.registry.get(str(data.get("model_id")))
        except Exception as err:
            raise _bad("unknown model") from err
        scale = float(model.scale_max)
        pillars = _scores(data.get("pillars"), {p.id for p in model.pillars}, scale)
        fields = _scores(data.get("fields"), {f.id for f in model.fields()}, scale)
        practices = {p.id for p in self.service.catalogue.practices}
        steps = data.get("steps", [])
        if not isinstance(steps, list) or len(steps) > MAX_STEPS:
            raise _bad("steps must be a list")
        if any(not isinstance(s, str) or s not in practices for s in steps):
            raise _bad("unknown roadmap step")
        provenance = data.get("provenance")
        if provenance not in PROVENANCES:
            raise _bad("provenance is self_assessed or verified")
        year = _int(data.get("year"), FIRST_YEAR, self.service.clock().year, "year")
        company = data.get("company") if isinstance(data.get("company"), dict) else {}
        assert isinstance(company, dict)
        share_id = data.get("share_id")
        if not isinstance(share_id, str) or not share_id.isalnum() or len(share_id) > 64:
            raise _bad("bad share id")
        assessor = data.get("assessor", "")
        if not isinstance(assessor, str) or len(assessor) > 200:
            raise _bad("bad assessor")
        return SharedResultRow(
            tenant_id=registration.tenant_id,
            share_id=share_id,
            registration_id=registration.id,
            model_id=model.id,
            year=year,
            overall=_score(data.get("overall"), scale, "overall"),
            level=_int(data.get("level"), 0, 10, "level"),
            pillars_json=json.dumps(pillars, sort_keys=True),
            fields_json=json.dumps(fields, sort_keys=True),
            steps_json=json.dumps(steps),
            verified=provenance == "verified",
            assessor=assessor.strip() if provenance == "verified" else "",
            kbli=_optional(reference.kbli_code, company.get("kbli")),
            province=_optional(reference.province_name, company.get("province")),
            size=_optional(reference.size_class, company.get("size")) or "medium",
            idempotency_key=key[:200],
            received_at=self.service.clock(),
        )


def _bad(why: str) -> InvalidRequestError:
    return InvalidRequestError(f"bad shared result: {why}", reason="bad_share")


def _score(value: object, scale: float, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _bad(f"{name} must be a number")
    number = float(value)
    if not math.isfinite(number) or not 0 <= number <= scale:
        raise _bad(f"{name} is out of range")
    return number


def _int(value: object, low: int, high: int, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _bad(f"{name} must be a whole number from {low} to {high}")
    return value


def _scores(value: object, known: set[str], scale: float) -> dict[str, float]:
    if not isinstance(value, dict) or len(value) > len(known):
        raise _bad("scores must be an object")
    if any(k not in known for k in value):
        raise _bad("unknown pillar or field")
    return {str(k): _score(v, scale, str(k)) for k, v in value.items()}


def _optional(check: object, value: object) -> str | None:
    if not isinstance(value, str) or not value.strip() or not callable(check):
        return None
    try:
        return str(check(value))
    except InvalidRequestError:
        return None


def shared_rows(service: Assessments) -> list[ProgrammeResultRow]:
    """Shared results as the programme view's rows (provenance self-assessed or verified)."""
    registered = {t.id: t.registration_no for t in service.store.tenants()}
    return [
        ProgrammeResultRow(
            tenant_id=r.tenant_id,
            year=r.year,
            model_id=r.model_id,
            overall=r.overall,
            level=r.level,
            pillars_json=r.pillars_json,
            fields_json=r.fields_json,
            verified=r.verified,
            kbli=r.kbli,
            province=r.province,
            size=r.size,
            source="shared",
            registration_no=registered.get(r.tenant_id),
            steps_json=r.steps_json,
            assessor=r.assessor,
        )
        for r in service.store.shared_results()
    ]
