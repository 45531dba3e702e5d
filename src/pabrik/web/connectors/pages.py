"""Connector pages: the list, forms generated from the configuration models, save and delete."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from pabrik.model.errors import InvalidRequestError, NotFoundError
from pabrik.runtime.connect import forms, mapping, service
from pabrik.runtime.connect.saving import current_site, running_states, save_site
from pabrik.runtime.plant.configstore import is_conflict
from pabrik.web.auth import ScopeDep
from pabrik.web.config.conflict import render_conflict
from pabrik.web.connectors.forms import (
    add_row,
    model_or_404,
    picks,
    posted,
    posted_base,
    render_form,
)
from pabrik.web.deps import FormatterDep, RendererDep, RuntimeDep

log = logging.getLogger(__name__)
pages = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
SEE_OTHER = 303
IdQ = Annotated[str | None, Query(alias="id", max_length=64)]


@pages.get("/connectors")
def connector_list(
    request: Request, runtime: RuntimeDep, renderer: RendererDep, fmt: FormatterDep
) -> HTMLResponse:
    """Every configured connector with its state, and buttons to add one of each kind."""
    site = current_site(runtime)
    context = {
        "page": "connectors",
        "items": service.rows(site, running_states(runtime)),
        "kinds": list(service.EDITABLE),
    }
    return renderer.render(request, "connectors/list.html", fmt, context)


@pages.get("/connectors/new/{kind}")
def new_form(
    request: Request, kind: str, runtime: RuntimeDep, renderer: RendererDep, fmt: FormatterDep
) -> HTMLResponse:
    """An empty form for a new connector of one kind."""
    model_or_404(kind)
    values = {"kind": kind, **service.STARTERS.get(kind, {})}
    return render_form(request, renderer, fmt, runtime, kind=kind, values=values, connector_id=None)


@pages.get("/connectors/{connector_id}")
def edit_form(
    request: Request,
    connector_id: str,
    runtime: RuntimeDep,
    renderer: RendererDep,
    fmt: FormatterDep,
) -> HTMLResponse:
    """The form of a configured connector (secrets are never shown)."""
    config = service.find(current_site(runtime), connector_id)
    if config is None or config.kind not in service.EDITABLE:
        raise NotFoundError(f"no editable connector '{connector_id}'", connector=connector_id)
    return render_form(
        request,
        renderer,
        fmt,
        runtime,
        kind=config.kind,
        values=forms.encode(config),
        connector_id=connector_id,
    )


@pages.post("/connectors/form/{kind}")
async def form_step(
    request: Request,
    kind: str,
    runtime: RuntimeDep,
    renderer: RendererDep,
    fmt: FormatterDep,
    connector_id: IdQ = None,
) -> HTMLResponse:
    """The form again after a step that does not save: add a row, map picked items."""
    model_or_404(kind)
    values = await posted(request)
    form = await request.form()
    op = str(form.get("op") or "")
    machines = [m.id for m in current_site(runtime).plant().machines()]
    if op.startswith("add:"):
        values = add_row(values, op[4:])
    elif op == "map-nodes":
        values = mapping.add_opcua_nodes(values, await picks(request, "pick"), machines)
    elif op == "map-topics":
        values = mapping.add_mqtt_topics(values, await picks(request, "topic"), machines)
    elif op == "map-devices":
        values = mapping.add_sparkplug_devices(values, await picks(request, "device"), machines)
    return render_form(
        request, renderer, fmt, runtime, kind=kind, values=values, connector_id=connector_id,
        base=await posted_base(request),
    )  # fmt: skip


async def _save(
    request: Request,
    runtime: RuntimeDep,
    renderer: RendererDep,
    fmt: FormatterDep,
    scope: ScopeDep,
    kind: str,
    connector_id: str | None,
) -> Response:
    model = model_or_404(kind)
    values = await posted(request)
    base = await posted_base(request)
    site = current_site(runtime)
    previous = service.find(site, connector_id) if connector_id else None
    decoded = forms.decode(model, values, previous)
    if decoded.config is None:
        return render_form(
            request, renderer, fmt, runtime, kind=kind, values=values,
            connector_id=connector_id, errors=decoded.errors, status_code=422, base=base,
        )  # fmt: skip
    edit = service.with_connector(site, decoded.config, connector_id)
    if edit.site is None:
        errors = [forms.FormError(i.path, i.message) for i in edit.issues]
        return render_form(
            request, renderer, fmt, runtime, kind=kind, values=values,
            connector_id=connector_id, errors=errors, status_code=422, base=base,
        )  # fmt: skip
    new_id = str(getattr(decoded.config, "id", ""))
    verb = "changed" if connector_id else "added"
    note = f"connector {new_id} {verb} in the browser"
    if edit.added_signals:
        note += f"; new signals {', '.join(edit.added_signals)}"
    try:
        await save_site(runtime, edit.site, scope.actor, note, base=base)
    except InvalidRequestError as err:
        if not is_conflict(err):
            raise
        reload = f"/connectors/{connector_id}" if connector_id else f"/connectors/new/{kind}"
        return await render_conflict(request, renderer, fmt, runtime, base or 0, reload)
    log.info("%s by %s", note, scope.actor)
    root = request.scope.get("root_path", "")
    return RedirectResponse(f"{root}/connectors/{new_id}?saved=1", SEE_OTHER)


@pages.post("/connectors/new/{kind}")
async def create(
    request: Request,
    kind: str,
    runtime: RuntimeDep,
    renderer: RendererDep,
    fmt: FormatterDep,
    scope: ScopeDep,
) -> Response:
    """Save a new connector; it starts without a restart."""
    return await _save(request, runtime, renderer, fmt, scope, kind, None)


@pages.post("/connectors/{connector_id}")
async def update(
    request: Request,
    connector_id: str,
    runtime: RuntimeDep,
    renderer: RendererDep,
    fmt: FormatterDep,
    scope: ScopeDep,
) -> Response:
    """Save a changed connector; it is reconfigured without a restart."""
    config = service.find(current_site(runtime), connector_id)
    if config is None or config.kind not in service.EDITABLE:
        raise NotFoundError(f"no editable connector '{connector_id}'", connector=connector_id)
    return await _save(request, runtime, renderer, fmt, scope, config.kind, connector_id)


@pages.post("/connectors/{connector_id}/delete")
async def delete(
    request: Request,
    connector_id: str,
    runtime: RuntimeDep,
    renderer: RendererDep,
    fmt: FormatterDep,
    scope: ScopeDep,
) -> Response:
    """Remove a connector; it stops without a restart."""
    site = current_site(runtime)
    if service.find(site, connector_id) is None:
        raise NotFoundError(f"no connector '{connector_id}'", connector=connector_id)
    note = f"connector {connector_id} removed in the browser"
    base = await posted_base(request)
    try:
        await save_site(
            runtime, service.without_connector(site, connector_id), scope.actor, note, base=base
        )
    except InvalidRequestError as err:
        if not is_conflict(err):
            raise
        reload = f"/connectors/{connector_id}"
        return await render_conflict(request, renderer, fmt, runtime, base or 0, reload)
    root = request.scope.get("root_path", "")
    return RedirectResponse(f"{root}/connectors", SEE_OTHER)


@pages.get("/partials/connectors/{connector_id}/state")
def state_partial(
    request: Request,
    connector_id: str,
    runtime: RuntimeDep,
    renderer: RendererDep,
    fmt: FormatterDep,
) -> HTMLResponse:
    """One connector's running state, polled by its page."""
    state, error, received = running_states(runtime).get(connector_id, ("stopped", None, 0))
    context = {"state": state, "error": error, "received": received}
    return renderer.render(request, "connectors/_state.html", fmt, context)
