"""Reading a posted connector form and rendering the generated form page or partial."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

from pabrik.model.errors import NotFoundError
from pabrik.runtime.app import Runtime
from pabrik.runtime.connect import forms, service
from pabrik.runtime.connect.saving import current_site
from pabrik.web.auth import CSRF_FIELD
from pabrik.web.config.conflict import BASE_FIELD, form_base
from pabrik.web.deps import FormatterDep, RendererDep

CONTROL = {CSRF_FIELD, BASE_FIELD, "op", "pick", "topic", "device", "live", "watch", "q"}


async def posted(request: Request) -> dict[str, str]:
    """The posted form as flat text values (the last value of a repeated name wins)."""
    form = await request.form()
    return {k: v for k, v in form.multi_items() if isinstance(v, str) and k not in CONTROL}


async def picks(request: Request, name: str) -> list[str]:
    """Every value posted under one repeated name (ticked boxes)."""
    form = await request.form()
    return [v for v in form.getlist(name) if isinstance(v, str) and v]


async def posted_base(request: Request) -> int | None:
    """The configuration version the posted form was loaded from (None: not said)."""
    return form_base(await request.form())


def model_or_404(kind: str) -> type[BaseModel]:
    """The model of an editable connector kind."""
    model = service.model_of(kind)
    if model is None:
        raise NotFoundError(f"no connector kind '{kind}'", kind=kind)
    return model


def add_row(values: dict[str, str], table: str) -> dict[str, str]:
    """Values with one more (blank) row in a table."""
    existing = forms.row_indices(values, table)
    following = max(existing, default=-1) + 1
    return {**values, f"{table}.{following}.{forms.ROW}": ""}


def label(translator: Any, key: str) -> str:
    """A field's label in the request's language, or its YAML key."""
    msg = f"conn.f.{key}"
    text: str = translator.gettext(msg)
    return key if text == msg else text


def render_form(
    request: Request,
    renderer: RendererDep,
    fmt: FormatterDep,
    runtime: Runtime,
    *,
    kind: str,
    values: dict[str, str],
    connector_id: str | None,
    errors: list[forms.FormError] | None = None,
    status_code: int = 200,
    notice: str = "",
    base: int | None = None,
) -> HTMLResponse:
    """The connector form page, or only the form when HTMX asks."""
    model = model_or_404(kind)
    site = current_site(runtime)
    previous = service.find(site, connector_id) if connector_id else None
    partial = request.headers.get("hx-request") == "true" and not request.headers.get("hx-boosted")
    context = {
        "page": "connectors",
        "kind": kind,
        "specs": forms.fields_of(model),
        "values": values,
        "errors": {e.name: e.message for e in errors or []},
        "error_list": errors or [],
        "connector_id": connector_id,
        "rows": forms.row_indices,
        "secret_set": lambda name: forms.secret_set(previous, name),
        "label": lambda key: label(fmt.translator, key),
        "machines": service.machine_choices(site.plant()),
        "notice": notice,
        # The version the form was first loaded from, kept through its steps and errors.
        "base": runtime.config_version if base is None else base,
        "idq": f"?id={connector_id}" if connector_id else "",
        "action": f"/connectors/{connector_id}" if connector_id else f"/connectors/new/{kind}",
    }
    template = "connectors/_form.html" if partial else "connectors/edit.html"
    return renderer.render(request, template, fmt, context, status_code=status_code)
