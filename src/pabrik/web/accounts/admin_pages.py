"""Administration pages: people, API tokens, companies and the audit log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from pabrik.model.errors import InvalidRequestError
from pabrik.present.accounts.labels import ROLE_KEYS, reason_text
from pabrik.present.formatting import Formatter
from pabrik.runtime.accounts.directory import CLI_ACTOR
from pabrik.runtime.accounts.permissions import COMPANY_ROLES, Role, load_permissions
from pabrik.runtime.accounts.tenancy import TenantScope
from pabrik.web.accounts.navigation import redirect
from pabrik.web.auth import AccountsDep, ScopeDep
from pabrik.web.deps import FormatterDep, RendererDep

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

AUDIT_PAGE = 100


def _role(text: str) -> Role:
    """A role named in a form, or a form problem."""
    if text not in {r.value for r in Role}:
        raise InvalidRequestError("unknown role", reason="bad_role")
    return Role(text)


def _roles(fmt: Formatter, scope: TenantScope) -> list[tuple[str, str]]:
    roles = list(Role) if scope.role is Role.SYSTEM_ADMIN else list(COMPANY_ROLES)
    return [(r.value, fmt.translator.gettext(ROLE_KEYS[r.value])) for r in roles]


# --- people ----------------------------------------------------------------------------------


def _users_page(
    request: Request,
    accounts: AccountsDep,
    scope: TenantScope,
    renderer: RendererDep,
    fmt: Formatter,
    *,
    error: str = "",
    reset_link: str = "",
    status: int = 200,
) -> Response:
    context = {
        "users": accounts.users(scope),
        "roles": _roles(fmt, scope),
        "role_names": {k: fmt.translator.gettext(v) for k, v in ROLE_KEYS.items()},
        "tenants": accounts.tenants() if scope.role is Role.SYSTEM_ADMIN else [],
        "own_tenant": scope.tenant_id,
        "error": error,
        "reset_link": reset_link,
        "page": "admin",
    }
    return renderer.render(request, "accounts/users.html", fmt, context, status_code=status)


@router.get("/admin/users")
def users_page(
    request: Request,
    accounts: AccountsDep,
    scope: ScopeDep,
    renderer: RendererDep,
    fmt: FormatterDep,
) -> Response:
    """The company's people, and a form to add one."""
    return _users_page(request, accounts, scope, renderer, fmt)


@router.post("/admin/users")
def create_user(
    request: Request,
    accounts: AccountsDep,
    scope: ScopeDep,
    renderer: RendererDep,
    fmt: FormatterDep,
    username: Annotated[str, Form(max_length=256)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    role: Annotated[str, Form(max_length=40)] = "operator",
    display_name: Annotated[str, Form(max_length=400)] = "",
    tenant: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """Add a person to the company (a system admin chooses the company)."""
    try:
        chosen = _role(role)
        home = _home_tenant(scope, chosen, tenant)
        accounts.create_user(
            scope,
            username=username,
            password=password,
            role=chosen,
            tenant_id=home,
            display_name=display_name,
        )
    except InvalidRequestError as err:
        message = reason_text(fmt.translator, err.details.get("reason"))
        return _users_page(request, accounts, scope, renderer, fmt, error=message, status=422)
    return redirect(request, "/admin/users")


def _home_tenant(scope: TenantScope, role: Role, chosen: str) -> str | None:
    if role not in COMPANY_ROLES:
        return None
    if scope.role is Role.SYSTEM_ADMIN:
        return chosen or scope.tenant_id
    return scope.tenant_id


@router.post("/admin/users/{user_id}")
def change_user(
    request: Request,
    user_id: str,
    accounts: AccountsDep,
    scope: ScopeDep,
    renderer: RendererDep,
    fmt: FormatterDep,
    action: Annotated[str, Form(max_length=20)] = "",
    role: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """Disable, enable, change the role of, or issue a reset link for one person."""
    user = accounts.user(scope, user_id)
    try:
        if action in {"disable", "enable"}:
            accounts.update_user(scope, user, disabled=action == "disable")
        elif action == "role" and role in {r.value for r in Role}:
            accounts.update_user(scope, user, role=Role(role))
        elif action == "reset":
            token = accounts.issue_reset(scope.actor, user)
            link = f"{request.base_url}reset?token={token}".replace("//reset", "/reset")
            return _users_page(request, accounts, scope, renderer, fmt, reset_link=link)
        else:
            _role("")
    except InvalidRequestError as err:
        message = reason_text(fmt.translator, err.details.get("reason"))
        return _users_page(request, accounts, scope, renderer, fmt, error=message, status=422)
    return redirect(request, "/admin/users")


# --- API tokens ------------------------------------------------------------------------------


def _tokens_page(
    request: Request,
    accounts: AccountsDep,
    scope: TenantScope,
    renderer: RendererDep,
    fmt: Formatter,
    *,
    secret: str = "",
    error: str = "",
    status: int = 200,
) -> Response:
    roles = load_permissions().token_roles
    context = {
        "tokens": accounts.tokens(scope),
        "roles": [(r, fmt.translator.gettext(ROLE_KEYS[r])) for r in sorted(roles)],
        "secret": secret,
        "error": error,
        "page": "admin",
    }
    return renderer.render(request, "accounts/tokens.html", fmt, context, status_code=status)


@router.get("/admin/tokens")
def tokens_page(
    request: Request,
    accounts: AccountsDep,
    scope: ScopeDep,
    renderer: RendererDep,
    fmt: FormatterDep,
) -> Response:
    """The company's API tokens, and a form to make one."""
    return _tokens_page(request, accounts, scope, renderer, fmt)


@router.post("/admin/tokens")
def create_token(
    request: Request,
    accounts: AccountsDep,
    scope: ScopeDep,
    renderer: RendererDep,
    fmt: FormatterDep,
    label: Annotated[str, Form(max_length=400)] = "",
    role: Annotated[str, Form(max_length=40)] = "operator",
) -> Response:
    """Make a token for this company; its secret is shown this once."""
    try:
        made = accounts.create_token(
            scope, label=label, role=_role(role), tenant_id=scope.require_tenant()
        )
    except InvalidRequestError as err:
        message = reason_text(fmt.translator, err.details.get("reason"))
        return _tokens_page(request, accounts, scope, renderer, fmt, error=message, status=422)
    return _tokens_page(request, accounts, scope, renderer, fmt, secret=made.secret)


@router.post("/admin/tokens/{token_id}/revoke")
def revoke_token(
    request: Request, token_id: str, accounts: AccountsDep, scope: ScopeDep
) -> Response:
    """Revoke a token at once."""
    accounts.revoke_token(scope, token_id)
    return redirect(request, "/admin/tokens")


# --- companies and the audit log -------------------------------------------------------------


def _tenants_page(
    request: Request,
    accounts: AccountsDep,
    renderer: RendererDep,
    fmt: Formatter,
    *,
    error: str = "",
    status: int = 200,
) -> Response:
    context = {
        "tenants": accounts.tenants(),
        "assessors": [u for u in accounts.all_users() if u.role == Role.ASSESSOR],
        "error": error,
        "page": "admin",
    }
    return renderer.render(request, "accounts/tenants.html", fmt, context, status_code=status)


@router.get("/admin/tenants")
def tenants_page(
    request: Request, accounts: AccountsDep, renderer: RendererDep, fmt: FormatterDep
) -> Response:
    """Every company, and forms to add one and to assign an assessor."""
    return _tenants_page(request, accounts, renderer, fmt)


@router.post("/admin/tenants")
def tenants_action(
    request: Request,
    accounts: AccountsDep,
    scope: ScopeDep,
    renderer: RendererDep,
    fmt: FormatterDep,
    action: Annotated[str, Form(max_length=20)] = "create",
    tenant_id: Annotated[str, Form(max_length=64)] = "",
    name: Annotated[str, Form(max_length=400)] = "",
    registration_no: Annotated[str, Form(max_length=40)] = "",
    kbli: Annotated[str, Form(max_length=20)] = "",
    province: Annotated[str, Form(max_length=100)] = "",
    size: Annotated[str, Form(max_length=20)] = "medium",
    assessor: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """Add a company, or let an assessor verify one."""
    try:
        if action == "assign":
            user = accounts.user(scope, assessor)
            accounts.assign(scope.actor or CLI_ACTOR, user, tenant_id)
        else:
            accounts.create_tenant(
                scope.actor,
                tenant_id=tenant_id,
                name=name,
                registration_no=registration_no or None,
                kbli=kbli or None,
                province=province or None,
                size=size,
            )
    except InvalidRequestError as err:
        message = reason_text(fmt.translator, err.details.get("reason"))
        return _tenants_page(request, accounts, renderer, fmt, error=message, status=422)
    return redirect(request, "/admin/tenants")


@router.get("/admin/audit")
def audit_page(
    request: Request,
    accounts: AccountsDep,
    scope: ScopeDep,
    renderer: RendererDep,
    fmt: FormatterDep,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> Response:
    """Who changed what, when, with the values before and after."""
    context = {
        "entries": accounts.audit(scope, AUDIT_PAGE, offset),
        "offset": offset,
        "limit": AUDIT_PAGE,
        "page": "admin",
    }
    return renderer.render(request, "accounts/audit.html", fmt, context)
