"""Responses the assessment pages share: redirects on this site and file downloads."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

SEE_OTHER = 303


def _root(request: Request) -> str:
    return str(request.scope.get("root_path", ""))


def redirect(request: Request, path: str) -> RedirectResponse:
    """A 303 to a path under the app's root."""
    return RedirectResponse(f"{_root(request)}{path}", status_code=SEE_OTHER)


def download(content: bytes, media_type: str, filename: str) -> Response:
    """A file to save, never rendered by the browser."""
    return Response(
        content,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "X-Content-Type-Options": "nosniff",
        },
    )
