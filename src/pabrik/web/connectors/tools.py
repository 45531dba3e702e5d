"""HTMX partials of the connector forms: test connection, Modbus preview, OPC UA tree, topics."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from pabrik.runtime.connect import forms, service, tools
from pabrik.runtime.connect.probetext import probe_text
from pabrik.runtime.connect.saving import current_site
from pabrik.web.connectors.forms import model_or_404, picks, posted
from pabrik.web.deps import FormatterDep, RendererDep, RuntimeDep

partials = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
IdQ = Annotated[str | None, Query(alias="id", max_length=64)]
NodeQ = Annotated[str | None, Query(max_length=512)]
PathQ = Annotated[str, Query(max_length=1024)]


def _previous(runtime: RuntimeDep, connector_id: str | None) -> Any:
    return service.find(current_site(runtime), connector_id) if connector_id else None


def _watches(request: Request) -> tools.Watches:
    found: tools.Watches | None = getattr(request.app.state, "connector_watches", None)
    if found is None:
        found = request.app.state.connector_watches = tools.Watches()
    return found


@partials.post("/partials/connectors/test/{kind}")
async def probe_form(
    request: Request,
    kind: str,
    runtime: RuntimeDep,
    renderer: RendererDep,
    fmt: FormatterDep,
    connector_id: IdQ = None,
) -> HTMLResponse:
    """Run the connector's probe with the form as it is now: one result line."""
    model = model_or_404(kind)
    decoded = forms.decode(model, await posted(request), _previous(runtime, connector_id))
    session = None
    if decoded.config is None and kind == "opcua":
        # Before any variable is mapped, the endpoint alone can still be tested.
        session = await tools.opcua_session_test(await posted(request))
    if session is not None:
        context = {"ok": session[0], "text": probe_text(session[1]), "invalid": False}
    elif decoded.config is None:
        detail = "; ".join(f"{e.name or kind}: {e.message}" for e in decoded.errors[:3])
        context = {"ok": False, "detail": detail, "invalid": True, "text": None}
    else:
        result = await service.probe(decoded.config, current_site(runtime).plant())
        context = {"ok": result.ok, "text": probe_text(result.detail), "invalid": False}
    return renderer.render(request, "connectors/_test.html", fmt, context)


@partials.post("/partials/connectors/modbus/preview")
async def modbus_preview(
    request: Request, renderer: RendererDep, fmt: FormatterDep
) -> HTMLResponse:
    """Each point read now: raw registers beside the value in the chosen type and order."""
    previews = await tools.modbus_preview(await posted(request))
    live = (await request.form()).get("live") == "1"
    context = {"previews": previews, "live": live}
    return renderer.render(request, "connectors/_preview.html", fmt, context)


@partials.post("/partials/connectors/opcua/browse")
async def opcua_browse(
    request: Request,
    renderer: RendererDep,
    fmt: FormatterDep,
    node: NodeQ = None,
    path: PathQ = "",
) -> HTMLResponse:
    """One level of the server's address space (children are fetched when expanded)."""
    found, problem = await tools.opcua_children(await posted(request), node, path)
    context = {"nodes": found, "problem": problem, "flat": False}
    return renderer.render(request, "connectors/_tree.html", fmt, context)


@partials.post("/partials/connectors/opcua/search")
async def opcua_search(request: Request, renderer: RendererDep, fmt: FormatterDep) -> HTMLResponse:
    """Variables whose path contains the search text."""
    form = await request.form()
    text = str(form.get("q") or "")[:200]
    if not text.strip():
        found, problem = await tools.opcua_children(await posted(request), None)
        context = {"nodes": found, "problem": problem, "flat": False}
    else:
        found, problem = await tools.opcua_search(await posted(request), text)
        context = {"nodes": found, "problem": problem, "flat": True}
    return renderer.render(request, "connectors/_tree.html", fmt, context)


@partials.post("/partials/connectors/{kind}/seen")
async def seen(
    request: Request,
    kind: str,
    runtime: RuntimeDep,
    renderer: RendererDep,
    fmt: FormatterDep,
    connector_id: IdQ = None,
) -> HTMLResponse:
    """Topics (MQTT) or nodes and devices (Sparkplug) seen on the broker in the last minute."""
    if kind not in ("mqtt", "sparkplug"):
        model_or_404("")
    values = await posted(request)
    previous = _previous(runtime, connector_id)
    broker, problem = tools.broker_of(values, getattr(previous, "broker", None))
    form = await request.form()
    context: dict[str, Any] = {
        "kind": kind, "topics": [], "devices": [], "problem": problem,
        "watch": form.get("watch") == "1",
        "picked": set(await picks(request, "device" if kind == "sparkplug" else "topic")),
        "idq": f"?id={connector_id}" if connector_id else "",
    }  # fmt: skip
    if broker is not None:
        filters = ["spBv1.0/#"] if kind == "sparkplug" else ["#"]
        found, problem = _watches(request).seen(broker, filters)
        context["problem"] = problem
        if kind == "sparkplug":
            context["devices"] = tools.sparkplug_devices(found)
        else:
            context["topics"] = [t for t in found if not t.topic.startswith("spBv1.0/")]
    return renderer.render(request, "connectors/_seen.html", fmt, context)
