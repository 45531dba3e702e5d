"""Security headers on every response: a strict content policy, no sniffing, no framing.

A response to a logged-in caller is never stored by a browser or a proxy (``no-store``): it may
show a secret once (a new API token) or one company's data.
"""

from __future__ import annotations

import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pabrik.runtime.settings import Settings
from pabrik.web.auth import is_loopback

log = logging.getLogger(__name__)

# Everything is served from this origin (offline first), so 'self' is all a page needs.
# Inline styles stay allowed because the chart library sets style attributes.
PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
# FastAPI's Swagger page boots itself from one inline script.
DOCS_POLICY = PAGE_POLICY.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'")
HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
)


class SecurityHeaders:
    """ASGI middleware that adds the headers unless a response already set them."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Wrap ``send`` to add headers to the response start."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = DOCS_POLICY if scope["path"] == "/docs" else PAGE_POLICY

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = _with_headers(message.get("headers", []), policy, scope)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _with_headers(
    sent: list[tuple[bytes, bytes]], policy: str, scope: Scope
) -> list[tuple[bytes, bytes]]:
    """The response's headers plus ours; a logged-in caller's response is never stored."""
    headers = list(sent)
    extra = [*HEADERS, (b"content-security-policy", policy.encode())]
    if _authenticated(scope):
        headers = [(k, v) for k, v in headers if k.lower() != b"cache-control"]
        extra.append((b"cache-control", b"no-store"))
    present = {name.lower() for name, _ in headers}
    return headers + [(k, v) for k, v in extra if k not in present]


def _authenticated(scope: Scope) -> bool:
    """Whether the request was made by a logged-in person or a token (set by ``authorize``)."""
    state = scope.get("state") or {}
    return state.get("principal") is not None


def warn_if_plain_http(settings: Settings) -> None:
    """Log a warning when a site reachable from other machines may send cookies over http."""
    if settings.cookie_secure != "always" and not is_loopback(settings.host):
        log.warning(
            "pabrik listens on %s without HTTPS: serve it behind an HTTPS proxy and set "
            "PABRIK_COOKIE_SECURE=always (see docs/deploy.md)",
            settings.host,
        )
