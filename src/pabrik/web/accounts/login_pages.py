"""Pages to log in and out, reset a password with a one-time token, and manage one's account."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from pabrik.model.errors import InvalidRequestError
from pabrik.present.accounts.labels import ROLE_KEYS, reason_text
from pabrik.present.formatting import Formatter
from pabrik.runtime.accounts.errors import AuthenticationError, RateLimitedError
from pabrik.web.accounts.navigation import landing, redirect, safe_next
from pabrik.web.auth import (
    SESSION_COOKIE,
    AccountsDep,
    PrincipalDep,
    check_login_csrf,
    client_address,
    login_token,
    set_login_cookie,
    set_session_cookie,
)
from pabrik.web.deps import FormatterDep, RendererDep, web_state

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)


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
        return redirect(request, safe_next(next_path) or landing(request, principal))
    return _login_page(request, renderer, fmt, next_path=safe_next(next_path))


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
    target = safe_next(next_path)
    try:
        session = accounts.login(username, password, client_address(request))
    except RateLimitedError as err:
        minutes = err.details.get("minutes", 1)
        message = fmt.translator.gettext("acct.login.locked").format(minutes=minutes)
        return _login_page(request, renderer, fmt, next_path=target, error=message, status=429)
    except AuthenticationError:
        message = fmt.translator.gettext("acct.login.failed")
        return _login_page(request, renderer, fmt, next_path=target, error=message, status=401)
    response = redirect(request, target or landing(request, session.principal))
    set_session_cookie(response, request, session.cookie, web_state(request).settings.cookie_secure)
    return response


@router.post("/logout")
def logout(request: Request, accounts: AccountsDep, principal: PrincipalDep) -> Response:
    """End the session."""
    accounts.logout(principal)
    response = redirect(request, "/login")
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
        return redirect(request, "/login?reset=1")
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
        return redirect(request, "/account?error=wrong_password")
    except InvalidRequestError as err:
        return redirect(request, f"/account?error={err.details.get('reason', 'invalid')}")
    response = redirect(request, "/login")
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
    return redirect(request, "/account?done=tenant")
