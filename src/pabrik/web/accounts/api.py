"""The accounts JSON API: who am I, people, API tokens, companies and the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from pabrik.runtime.accounts.directory import AuditRecord, TenantRecord, TokenRecord, UserRecord
from pabrik.runtime.accounts.permissions import COMPANY_ROLES, Role
from pabrik.runtime.accounts.tenancy import TenantScope
from pabrik.web.auth import AccountsDep, PrincipalDep, ScopeDep
from pabrik.web.schemas import ErrorPublic

router = APIRouter(
    prefix="/api/v1",
    tags=["accounts"],
    responses={
        401: {"model": ErrorPublic, "description": "Not logged in, or an invalid token"},
        403: {"model": ErrorPublic, "description": "The role may not do this"},
        404: {"model": ErrorPublic, "description": "Unknown (or another company's) id"},
        422: {"model": ErrorPublic, "description": "Invalid input"},
    },
)


class MePublic(BaseModel):
    """The caller: name, role, company acted for, and how they authenticated."""

    name: str
    role: Role
    tenant: str | None
    tenants: list[str]
    via: str
    csrf_token: str | None = None
    """For scripts using the session cookie: send it as X-CSRF-Token on every change."""


class UserPublic(BaseModel):
    """A person, without any secret."""

    id: str
    username: str
    display_name: str
    tenant: str | None
    role: Role
    disabled: bool
    created_at: datetime

    @classmethod
    def of(cls, u: UserRecord) -> UserPublic:
        """From the stored row."""
        return cls(
            id=u.id,
            username=u.username,
            display_name=u.display_name,
            tenant=u.tenant_id,
            role=Role(u.role),
            disabled=u.disabled,
            created_at=u.created_at,
        )


class UserCreate(BaseModel):
    """A new person; a company admin's people join the admin's company."""

    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)
    role: Role
    display_name: str = Field(default="", max_length=200)
    tenant: str | None = Field(default=None, max_length=64)


class UserUpdate(BaseModel):
    """Disable or enable a person, or change their role or name."""

    disabled: bool | None = None
    role: Role | None = None
    display_name: str | None = Field(default=None, max_length=200)


class TokenPublic(BaseModel):
    """An API token, without its secret."""

    id: str
    label: str
    tenant: str
    role: Role
    created_by: str
    created_at: datetime
    revoked_at: datetime | None
    last_used: datetime | None

    @classmethod
    def of(cls, t: TokenRecord) -> TokenPublic:
        """From the stored row."""
        return cls(
            id=t.id,
            label=t.label,
            tenant=t.tenant_id,
            role=Role(t.role),
            created_by=t.created_by,
            created_at=t.created_at,
            revoked_at=t.revoked_at,
            last_used=t.last_used,
        )


class TokenCreate(BaseModel):
    """A token for the caller's company."""

    label: str = Field(min_length=1, max_length=100)
    role: Role = Role.OPERATOR


class TokenCreated(TokenPublic):
    """A token just made, with its secret: shown this once, stored only as a hash."""

    secret: str


class TenantPublic(BaseModel):
    """A company (system admins only)."""

    id: str
    name: str
    registration_no: str | None
    kbli: str | None
    province: str | None
    size: str

    @classmethod
    def of(cls, t: TenantRecord) -> TenantPublic:
        """From the stored row."""
        return cls(
            id=t.id,
            name=t.name,
            registration_no=t.registration_no,
            kbli=t.kbli,
            province=t.province,
            size=t.size,
        )


class TenantCreate(BaseModel):
    """A new company."""

    id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    registration_no: str | None = Field(default=None, max_length=13)
    kbli: str | None = Field(default=None, max_length=5)
    province: str | None = Field(default=None, max_length=100)
    size: str = Field(default="medium", max_length=10)


class AuditPublic(BaseModel):
    """One audited change."""

    at: datetime
    tenant: str | None
    actor: str
    action: str
    subject: str
    before: str | None
    after: str | None

    @classmethod
    def of(cls, a: AuditRecord) -> AuditPublic:
        """From the stored row."""
        return cls(
            at=a.at,
            tenant=a.tenant_id,
            actor=a.actor,
            action=a.action,
            subject=a.subject,
            before=a.before_json,
            after=a.after_json,
        )


@router.get("/me", summary="Who am I")
def me(principal: PrincipalDep) -> MePublic:
    """The caller's name, role and the company they act for."""
    return MePublic(
        name=principal.name,
        role=principal.role,
        tenant=principal.active_tenant,
        tenants=list(principal.tenants),
        via=principal.via,
        csrf_token=principal.csrf_token,
    )


def _home(scope: TenantScope, body: UserCreate) -> str | None:
    if body.role not in COMPANY_ROLES:
        return None
    if scope.role is Role.SYSTEM_ADMIN:
        return body.tenant or scope.tenant_id
    return scope.tenant_id


@router.get("/users", summary="People of the company")
def list_users(accounts: AccountsDep, scope: ScopeDep) -> list[UserPublic]:
    """The company's people (every person, for a system admin)."""
    return [UserPublic.of(u) for u in accounts.users(scope)]


@router.post("/users", status_code=201, summary="Add a person")
def create_user(accounts: AccountsDep, scope: ScopeDep, body: UserCreate) -> UserPublic:
    """A new person with a role; a company admin adds company roles to their company."""
    row = accounts.create_user(
        scope,
        username=body.username,
        password=body.password,
        role=body.role,
        tenant_id=_home(scope, body),
        display_name=body.display_name,
    )
    return UserPublic.of(row)


@router.get("/users/{user_id}", summary="One person")
def get_user(accounts: AccountsDep, scope: ScopeDep, user_id: str) -> UserPublic:
    """A person of the company; another company's is 'not found'."""
    return UserPublic.of(accounts.user(scope, user_id))


@router.patch("/users/{user_id}", summary="Change a person")
def update_user(
    accounts: AccountsDep, scope: ScopeDep, user_id: str, body: UserUpdate
) -> UserPublic:
    """Disable or enable, change the role or the display name (audited)."""
    user = accounts.user(scope, user_id)
    row = accounts.update_user(
        scope, user, disabled=body.disabled, role=body.role, display_name=body.display_name
    )
    return UserPublic.of(row)


@router.get("/tokens", summary="API tokens of the company")
def list_tokens(accounts: AccountsDep, scope: ScopeDep) -> list[TokenPublic]:
    """Tokens with their role and last use; never their secrets."""
    return [TokenPublic.of(t) for t in accounts.tokens(scope)]


@router.post("/tokens", status_code=201, summary="Make an API token")
def create_token(accounts: AccountsDep, scope: ScopeDep, body: TokenCreate) -> TokenCreated:
    """A token for the caller's company and one role; the secret is in this answer only."""
    made = accounts.create_token(
        scope, label=body.label, role=body.role, tenant_id=scope.require_tenant()
    )
    return TokenCreated(**TokenPublic.of(made.record).model_dump(), secret=made.secret)


@router.delete("/tokens/{token_id}", summary="Revoke an API token")
def revoke_token(accounts: AccountsDep, scope: ScopeDep, token_id: str) -> TokenPublic:
    """Revoke at once; the next request with it gets 401."""
    return TokenPublic.of(accounts.revoke_token(scope, token_id))


@router.get("/tenants", summary="Companies")
def list_tenants(accounts: AccountsDep) -> list[TenantPublic]:
    """Every company (system admins)."""
    return [TenantPublic.of(t) for t in accounts.tenants()]


@router.post("/tenants", status_code=201, summary="Add a company")
def create_tenant(accounts: AccountsDep, scope: ScopeDep, body: TenantCreate) -> TenantPublic:
    """A company with NIB, KBLI, province and size checked against the reference lists."""
    row = accounts.create_tenant(
        scope.actor,
        tenant_id=body.id,
        name=body.name,
        registration_no=body.registration_no,
        kbli=body.kbli,
        province=body.province,
        size=body.size,
    )
    return TenantPublic.of(row)


@router.get("/audit", summary="Audit log")
def audit(
    accounts: AccountsDep,
    scope: ScopeDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> list[AuditPublic]:
    """Changes by people in the company, newest first."""
    return [AuditPublic.of(a) for a in accounts.audit(scope, limit, offset)]
