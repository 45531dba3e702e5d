"""The request-body limit: counted while the body is read, so a large body is never held."""

from __future__ import annotations

import re
from collections.abc import Callable

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MEGABYTE = 1024 * 1024
PAYLOAD_TOO_LARGE = 413
# Only these take files: assessment attachments and the programme import.
UPLOAD_ROUTES = (
    re.compile(r"^/assess/[^/]+/step/[^/]+$"),
    re.compile(r"^/(api/v1/)?programme/import$"),
)
EMPTY_BODY: Message = {"type": "http.request", "body": b"", "more_body": False}

BodyGate = Callable[[Scope], bool]
"""Whether a request's body may be read at all (an anonymous caller's never is)."""


def is_upload(method: str, path: str) -> bool:
    """Whether a request may carry the larger upload body."""
    return method == "POST" and any(p.match(path) for p in UPLOAD_ROUTES)


class BodyTooLargeError(HTTPException):
    """The body passed its limit (answered 413 in the caller's language)."""

    def __init__(self, limit: int) -> None:
        super().__init__(PAYLOAD_TOO_LARGE, f"the request body is larger than {limit} bytes")


class BodyLimit:
    """ASGI middleware: refuse a body over the limit by its length, then by counting its bytes."""

    def __init__(self, app: ASGIApp, *, body_bytes: int, upload_bytes: int, gate: BodyGate) -> None:
        self.app = app
        self.body_bytes = body_bytes
        self.upload_bytes = upload_bytes
        self.gate = gate

    def limit_of(self, scope: Scope) -> int:
        """The limit of one request."""
        upload = is_upload(scope.get("method", ""), scope.get("path", ""))
        return self.upload_bytes if upload else self.body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Wrap ``receive`` so the body is counted, or not read at all."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_of(scope)
        await self.app(scope, _guarded(scope, receive, limit, self.gate), send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _guarded(scope: Scope, receive: Receive, limit: int, gate: BodyGate) -> Receive:
    """A ``receive`` that asks the gate once routing is done, then counts what it passes on."""
    declared = _content_length(scope)
    state = {"seen": 0, "calls": 0, "open": True}

    async def guarded() -> Message:
        state["calls"] += 1
        if state["calls"] == 1:
            # The router has matched by now, so the gate knows the route and its permission.
            state["open"] = gate(scope)
        if not state["open"]:
            # Never read: the app sees an empty body, then a gone client, and refuses the caller.
            return dict(EMPTY_BODY) if state["calls"] == 1 else {"type": "http.disconnect"}
        if declared is not None and declared > limit:
            raise BodyTooLargeError(limit)
        message = await receive()
        if message["type"] == "http.request":
            state["seen"] += len(message.get("body", b""))
            if state["seen"] > limit:
                raise BodyTooLargeError(limit)
        return message

    return guarded
