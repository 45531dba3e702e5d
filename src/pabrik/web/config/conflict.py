"""A save refused because someone saved after the form was opened: what changed, and reload."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from pabrik.runtime.app import Runtime
from pabrik.runtime.plant.history import changes_since
from pabrik.web.deps import FormatterDep, RendererDep

BASE_FIELD = "base"
"""The hidden form field carrying the configuration version a form was loaded from."""
CONFLICT = 409


def form_base(form: FormData) -> int | None:
    """The version a posted form was loaded from; None when it names none (no check)."""
    value = form.get(BASE_FIELD)
    if not isinstance(value, str) or not value.isdecimal() or len(value) > 10:
        return None
    return int(value)


async def render_conflict(
    request: Request,
    renderer: RendererDep,
    fmt: FormatterDep,
    runtime: Runtime,
    base: int,
    reload_path: str,
) -> HTMLResponse:
    """The refusal page: the versions saved since ``base`` with their changes, and a reload."""
    changes = await run_in_threadpool(changes_since, runtime.configs, base)
    context = {
        "page": "config",
        "base": base,
        "head": changes[0].version if changes else base,
        "changes": changes,
        "reload": reload_path,
    }
    return renderer.render(request, "config/conflict.html", fmt, context, status_code=CONFLICT)
