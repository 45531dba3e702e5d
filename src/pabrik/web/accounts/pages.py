"""Pages to log in and out, reset a password, and manage people, tokens and companies."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from pabrik.model.errors import InvalidRequestError
from pabrik.present.accounts.labels import ROLE_KEYS, reason_text
from pabrik.present.formatting import Formatter
from pabrik.runtime.accounts.directory import CLI_ACTOR
from pabrik.runtime.accounts.errors import AuthenticationError, RateLimitedError
from pabrik.runtime.accounts.permissions import COMPANY_ROLES, Role, load_permissions
from pabrik.runtime.accounts.tenancy import Principal, TenantScope, plant_tenant
from pabrik.web.auth import (
    SESSION_COOKIE,
    AccountsDep,
    PrincipalDep,
    ScopeDep,
    check_login_csrf,
    client_address,
    login_token,
    set_login_cookie,
    set_session_cookie,
)
from pabrik.web.deps import FormatterDep, RendererDep, web_state

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

SEE_OTHER = 303
UNPROCESSABLE = 422
AUDIT_PAGE = 100


def _root(request: Request) -> str:
    return str(request.scope.get("root_path", ""))


def _redirect(request: Request, path: str) -> RedirectResponse:
    return RedirectResponse(f"{_root(request)}{path}", status_code=SEE_OTHER)


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site, never another host (``//evil``) or a scheme."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


def landing(request: Request, principal: Principal) -> str:
    """Where a person starts: their plant, their assessments, or the programme view."""
    owner = plant_tenant(web_state(request).runtime.plant.site.tenant)
    if principal.can("plant.view") and principal.active_tenant == owner:
        return "/"
    if principal.can("assess.view") and principal.active_tenant:
        return "/assess"
    if principal.can("programme.view"):
        return "/programme"
    return "/account"


def _role(text: str) -> Role:
    """A role named in a form, or a form problem."""
    if text not in {r.value for r in Role}:
        raise InvalidRequestError("unknown role", reason="bad_role")
    return Role(text)


def _roles(fmt: Formatter, scope: TenantScope) -> list[tuple[str, str]]:
    roles = list(Role) if scope.role is Role.SYSTEM_ADMIN else list(COMPANY_ROLES)
    return [(r.value, fmt.translator.gettext(ROLE_KEYS[r.value])) for r in roles]


# --- login and logout ------------------------------------------------------------------------


def _login_page(
    request: Request,
    renderer: RendererDep,
    fmt: Formatter,
    *,
    next_path: str | None,
    error: str = "",
    status: int = 200,
) -> Response:
    settings = web_state(request).settings
    token = login_token(request)
    context: dict[str, Any] = {
        "next": next_path or "",
        "error": error,
        "login_token": token,
        "page": "login",
    }
    response = renderer.render(request, "accounts/login.html", fmt, context, status_code=status)
    set_login_cookie(response, request, token, settings.cookie_secure)
    return response


@router.get("/login")
def login_form(
    request: Request,
    renderer: RendererDep,
    fmt: FormatterDep,
    next_path: Annotated[str | None, Query(alias="next")] = None,
) -> Response:
    """The login form (or straight on, for someone logged in already)."""
    principal = getattr(request.state, "principal", None)
    if principal is not None:
        return _redirect(request, _safe_next(next_path) or landing(request, principal))
    return _login_page(request, renderer, fmt, next_path=_safe_next(next_path))


@router.post("/login")
def login(
    request: Request,
    accounts: AccountsDep,
    renderer: RendererDep,
    fmt: FormatterDep,
    username: Annotated[str, Form(max_length=256)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    csrf_token: Annotated[str, Form(max_length=256)] = "",
    next_path: Annotated[str, Form(alias="next", max_length=2000)] = "",
) -> Response:
    """Log in: a session cookie and on to the page asked for."""
    check_login_csrf(request, csrf_token)
    target = _safe_next(next_path)
    try:
        session = accounts.login(username, password, client_address(request))
    except RateLimitedError as err:
        minutes = err.details.get("minutes", 1)
        message = fmt.translator.gettext("acct.login.locked").format(minutes=minutes)
        return _login_page(request, renderer, fmt, next_path=target, error=message, status=429)
    except AuthenticationError:
        message = fmt.translator.gettext("acct.login.failed")
        return _login_page(request, renderer, fmt, next_path=target, error=message, status=401)
    response = _redirect(request, target or landing(request, session.principal))
    set_session_cookie(response, request, session.cookie, web_state(request).settings.cookie_secure)
    return response


@router.post("/logout")
def logout(request: Request, accounts: AccountsDep, principal: PrincipalDep) -> Response:
    """End the session."""
    accounts.logout(principal)
    response = _redirect(request, "/login")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# --- password reset with a one-time token ----------------------------------------------------


@router.get("/reset")
def reset_form(
    request: Request,
    renderer: RendererDep,
    fmt: FormatterDep,
    token: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    """The form to choose a new password with a one-time token."""
    context = {"token": token, "error": "", "page": "login"}
    return renderer.render(request, "accounts/reset.html", fmt, context)


@router.post("/reset")
def reset(
    request: Request,
    accounts: AccountsDep,
    renderer: RendererDep,
    fmt: FormatterDep,
    token: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    """Spend the token and set the password; a used or unknown token fails alike."""
    try:
        accounts.reset_password(token, password)
    except AuthenticationError:
        error = fmt.translator.gettext("acct.reset.invalid")
    except InvalidRequestError as err:
        error = reason_text(fmt.translator, err.details.get("reason"))
    else:
        return _redirect(request, "/login?reset=1")
    context = {"token": token, "error": error, "page": "login"}
    return renderer.render(request, "accounts/reset.html", fmt, context, status_code=400)


# --- own account -----------------------------------------------------------------------------


@router.get("/account")
def account_page(
    request: Request,
    accounts: AccountsDep,
    principal: PrincipalDep,
    renderer: RendererDep,
    fmt: FormatterDep,
    done: Annotated[str | None, Query(max_length=20)] = None,
    error: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    """Who I am, which company I act for, and my password."""
    names = {t.id: t.name for t in accounts.tenants() if t.id in principal.tenants}
    context = {
        "me": principal,
        "role_name": fmt.translator.gettext(ROLE_KEYS[principal.role.value]),
        "tenant_names": names,
        "done": done or "",
        "error": reason_text(fmt.translator, error) if error else "",
        "page": "account",
    }
    return renderer.render(request, "accounts/account.html", fmt, context)


@router.post("/account/password")
def change_password(
    request: Request,
    accounts: AccountsDep,
    principal: PrincipalDep,
    current: Annotated[str, Form(max_length=1024)] = "",
    new: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    """Change my password; every session of mine ends, so I log in again."""
    if principal.via != "session":
        raise InvalidRequestError("an API token has no password", reason="not_a_person")
    try:
        accounts.change_password(principal, current, new)
    except AuthenticationError:
        return _redirect(request, "/account?error=wrong_password")
    except InvalidRequestError as err:
        return _redirect(request, f"/account?error={err.details.get('reason', 'invalid')}")
    response = _redirect(request, "/login")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.post("/account/tenant")
def switch_tenant(
    request: Request,
    accounts: AccountsDep,
    principal: PrincipalDep,
    tenant: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """Act for another of my companies (assessors and system admins)."""
    accounts.switch_tenant(principal, tenant)
    return _redirect(request, "/account?done=tenant")


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
    return _redirect(request, "/admin/users")


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
    return _redirect(request, "/admin/users")


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
    return _redirect(request, "/admin/tokens")


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
    return _redirect(request, "/admin/tenants")


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
