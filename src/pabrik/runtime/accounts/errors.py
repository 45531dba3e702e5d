"""Errors of logging in and of access; none tells whether an account exists."""

from __future__ import annotations

from pabrik.model.errors import PabrikError


class AuthenticationError(PabrikError):
    """No valid session or token, or a wrong name or password (401)."""

    code = "unauthenticated"


class ForbiddenError(PabrikError):
    """The caller's role may not take this action (403)."""

    code = "forbidden"


class CsrfError(PabrikError):
    """A state-changing request without the session's CSRF token (403)."""

    code = "csrf_failed"


class RateLimitedError(PabrikError):
    """Too many failed logins for this name or this address; wait and retry (429)."""

    code = "rate_limited"
