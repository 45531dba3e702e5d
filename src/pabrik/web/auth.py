"""One dependency on every route: who is asking, may their role do this, is the form genuine."""

from __future__ import annotations

import ipaddress
from typing import Annotated, cast

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.responses import Response
from starlette.types import Scope

from pabrik.model.errors import PabrikError
from pabrik.runtime.accounts.credentials import new_secret, same
from pabrik.runtime.accounts.errors import AuthenticationError, CsrfError, ForbiddenError
from pabrik.runtime.accounts.permissions import load_permissions
from pabrik.runtime.accounts.service import Accounts
from pabrik.runtime.accounts.tenancy import Principal, TenantScope

SESSION_COOKIE = "pabrik_session"
LOGIN_CSRF_COOKIE = "pabrik_login_csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# The largest form the CSRF check reads: the assessment wizard's uploads are capped at 10 MB.
MAX_FORM_PART = 10 * 1024 * 1024 + 1

bearer_scheme = HTTPBearer(
    auto_error=False,
    description="An API token (pbk_…) made with `pabrik users token` or on /admin/tokens.",
)


def get_accounts(request: Request) -> Accounts:
    """The account use cases built with the app."""
    return cast(Accounts, request.app.state.accounts)


AccountsDep = Annotated[Accounts, Depends(get_accounts)]


def route_key(request: Request) -> tuple[str, str | None]:
    """The method and path template of the matched route (HEAD counts as GET)."""
    route = request.scope.get("route")
    path = getattr(route, "path_format", None) or getattr(route, "path", None)
    method = "GET" if request.method == "HEAD" else request.method
    return method, path


def _authenticate(
    request: Request, bearer: HTTPAuthorizationCredentials | None
) -> Principal | None:
    if bearer is not None:
        principal = get_accounts(request).token_principal(bearer.credentials)
        if principal is None:
            raise AuthenticationError("invalid or revoked token")
        return principal
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    return get_accounts(request).session_principal(cookie)


async def _check_csrf(request: Request, principal: Principal) -> None:
    expected = principal.csrf_token or ""
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and _is_form(request):
        form = await request.form(max_part_size=MAX_FORM_PART)
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not expected or not sent or not same(sent, expected):
        raise CsrfError("missing or wrong CSRF token")


def _is_form(request: Request) -> bool:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return kind in {"application/x-www-form-urlencoded", "multipart/form-data"}


async def authorize(
    request: Request,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> None:
    """Refuse what the caller's role may not do; unlisted routes are refused to everyone."""
    method, path = route_key(request)
    action = load_permissions().action_of(method, path or "")
    request.state.principal = None
    request.state.public = action == "public"
    if action is None:
        raise ForbiddenError("this route has no permission entry", route=f"{method} {path}")
    if action == "ops.metrics" and _scrape_token(request, bearer):
        # Prometheus' own credential works without the database, so a down store is visible.
        request.state.public = True
        return
    if action == "public":
        # A public page still knows who is logged in (the login page offers to continue).
        quiet = _quiet_principal(request)
        request.state.principal = quiet
        request.state.csrf_token = quiet.csrf_token if quiet else ""
        return
    principal = _authenticate(request, bearer)
    if principal is None:
        raise AuthenticationError("log in first")
    request.state.principal = principal
    request.state.csrf_token = principal.csrf_token or ""
    if principal.via == "session" and method not in SAFE_METHODS:
        await _check_csrf(request, principal)
    if not principal.can(action):
        raise ForbiddenError("your role may not do this", action=action)


def body_allowed(scope: Scope) -> bool:
    """Whether a request's body may be read: safe methods, public routes, known callers only."""
    request = Request(scope)
    method, path = route_key(request)
    if method in SAFE_METHODS:
        return True
    action = load_permissions().action_of(method, path or "")
    if action in {None, "public"}:
        return action == "public"
    try:
        return _authenticate(request, _bearer_of(request)) is not None
    except AuthenticationError:
        return False
    except PabrikError:
        return True  # a down store answers through the app's own error page


def _bearer_of(request: Request) -> HTTPAuthorizationCredentials | None:
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not credentials:
        return None
    return HTTPAuthorizationCredentials(scheme=scheme, credentials=credentials.strip())


def _scrape_token(request: Request, bearer: HTTPAuthorizationCredentials | None) -> bool:
    expected = request.app.state.pabrik.settings.metrics_token.get_secret_value()
    return bool(expected and bearer is not None and same(bearer.credentials, expected))


def _quiet_principal(request: Request) -> Principal | None:
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie or getattr(request.app.state, "accounts", None) is None:
        return None
    return get_accounts(request).session_principal(cookie)


def get_principal(request: Request) -> Principal:
    """The authenticated caller (set by ``authorize``)."""
    principal = getattr(request.state, "principal", None)
    if principal is None:
        raise AuthenticationError("log in first")
    return cast(Principal, principal)


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def get_scope(principal: PrincipalDep) -> TenantScope:
    """The data scope of the request."""
    return principal.scope()


ScopeDep = Annotated[TenantScope, Depends(get_scope)]


def cookie_secure(request: Request, setting: str) -> bool:
    """Whether cookies carry Secure: always, never, or unless plain http to this machine."""
    if setting != "auto":
        return setting == "always"
    if request.url.scheme == "https":
        return True
    # The socket's own address, not the Host header, which any proxy or client may set.
    server = request.scope.get("server")
    return not (server and is_loopback(str(server[0])))


def is_loopback(host: str) -> bool:
    """Whether a host name or address is this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def set_session_cookie(response: Response, request: Request, value: str, setting: str) -> None:
    """The session cookie: HttpOnly, SameSite=Lax, Secure by default, for the whole site."""
    response.set_cookie(
        SESSION_COOKIE,
        value,
        httponly=True,
        samesite="lax",
        secure=cookie_secure(request, setting),
        path="/",
    )


def login_token(request: Request) -> str:
    """The pre-session double-submit token of the login form (the cookie's, or a new one)."""
    return request.cookies.get(LOGIN_CSRF_COOKIE) or new_secret()


def set_login_cookie(response: Response, request: Request, token: str, setting: str) -> None:
    """Send the login form's token as a strict cookie too, to be compared on submit."""
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=cookie_secure(request, setting),
        path="/",
    )


def check_login_csrf(request: Request, sent: str) -> None:
    """The login form's token matches its cookie."""
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE) or ""
    if not cookie or not sent or not same(cookie, sent):
        raise CsrfError("missing or wrong CSRF token")


def client_address(request: Request) -> str:
    """The client's address, for throttling failed logins."""
    return request.client.host if request.client else "unknown"
