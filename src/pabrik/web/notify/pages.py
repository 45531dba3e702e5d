"""My subscriptions (every user), channels and the outbox (the company admin)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from pabrik.model.errors import InvalidRequestError
from pabrik.runtime.notify.admin import OUTBOX_STATUSES
from pabrik.runtime.notify.channels import KINDS, Channel
from pabrik.runtime.notify.subscriptions import LANGUAGES, PRIORITIES, Subscription
from pabrik.web.auth import ScopeDep
from pabrik.web.deps import FormatterDep, RendererDep, RuntimeDep, web_state
from pabrik.web.notify.wiring import notify_admin, notify_words

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
SEE_OTHER = 303
ChannelId = Annotated[str, Form(min_length=1, max_length=40)]
Short = Annotated[str, Form(max_length=200)]


def _back(request: Request, path: str = "/notify", **query: str) -> RedirectResponse:
    root = request.scope.get("root_path", "")
    tail = f"?{urlencode(query)}" if query else ""
    return RedirectResponse(f"{root}{path}{tail}", SEE_OTHER)


def _ids(text: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in text.split(",") if p.strip())


def _settings(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in text.splitlines():
        if line.strip():
            key, sep, value = line.partition("=")
            if not sep:
                raise InvalidRequestError("settings read key=value", reason="bad_settings")
            out[key.strip()] = value.strip()
    return out


@router.get("/notify")
def notify_page(
    request: Request,
    runtime: RuntimeDep,
    renderer: RendererDep,
    fmt: FormatterDep,
    scope: ScopeDep,
    tested: Annotated[str | None, Query(max_length=40)] = None,
    error: Annotated[str | None, Query(max_length=400)] = None,
) -> HTMLResponse:
    """The user's subscriptions, and for the admin the channels with a test button."""
    admin = notify_admin(runtime)
    channels = admin.channels()
    context = {
        "page": "notify",
        "subs": admin.subscriptions(scope.actor),
        "channels": [c.public() for c in channels],
        "kinds": KINDS,
        "priorities": PRIORITIES,
        "languages": LANGUAGES,
        "tested": tested,
        "error": error,
    }
    return renderer.render(request, "notify/page.html", fmt, context)


@router.post("/notify/subscriptions")
def save_subscription(
    request: Request,
    runtime: RuntimeDep,
    scope: ScopeDep,
    channel_id: ChannelId,
    address: Short = "",
    scope_ids: Short = "",
    priorities: Annotated[list[str] | None, Form()] = None,
    quiet_start: Annotated[str, Form(max_length=5)] = "",
    quiet_end: Annotated[str, Form(max_length=5)] = "",
    language: Annotated[str, Form(max_length=2)] = "id",
    reports: Annotated[bool, Form()] = False,
    cleared: Annotated[bool, Form()] = False,
    flood_over: Annotated[int, Form(ge=1, le=1000)] = 10,
    flood_minutes: Annotated[int, Form(ge=1, le=1440)] = 10,
) -> Response:
    """Save the caller's subscription to one channel (areas, lines and machines by id)."""
    ids = _ids(scope_ids)
    plant = runtime.plant
    areas = tuple(i for i in ids if any(a.id == i for a in plant.areas))
    lines = tuple(i for i in ids if any(ln.id == i for ln in plant.lines()))
    machines = tuple(i for i in ids if plant.machine(i) is not None)
    unknown = set(ids) - set(areas) - set(lines) - set(machines)
    if unknown:
        raise InvalidRequestError("unknown area, line or machine", reason="bad_scope",
                                  ids=sorted(unknown))  # fmt: skip
    sub = Subscription(
        scope.actor, channel_id, address.strip(), areas, lines, machines,
        tuple(priorities or ()), quiet_start, quiet_end, language, reports, cleared, flood_over,
        flood_minutes,
    )  # fmt: skip
    notify_admin(runtime).save_subscription(sub)
    return _back(request)


@router.post("/notify/subscriptions/delete")
def delete_subscription(
    request: Request, runtime: RuntimeDep, scope: ScopeDep, channel_id: ChannelId
) -> Response:
    """Remove the caller's subscription to one channel."""
    notify_admin(runtime).delete_subscription(scope.actor, channel_id)
    return _back(request)


@router.post("/notify/channels")
def save_channel(
    request: Request,
    runtime: RuntimeDep,
    channel_id: ChannelId,
    kind: Annotated[str, Form(max_length=20)],
    name: Short,
    settings: Annotated[str, Form(max_length=2000)] = "",
    secret: Annotated[str, Form(max_length=500)] = "",
    enabled: Annotated[bool, Form()] = False,
    sample: Annotated[bool, Form()] = False,
) -> Response:
    """Add or change a channel; a blank secret keeps the stored one (it is never shown)."""
    channel = Channel(channel_id, kind, name.strip() or channel_id, _settings(settings),
                      secret, enabled, sample)  # fmt: skip
    notify_admin(runtime).save_channel(channel)
    return _back(request)


@router.post("/notify/channels/delete")
def delete_channel(request: Request, runtime: RuntimeDep, channel_id: ChannelId) -> Response:
    """Remove a channel and everyone's subscriptions to it."""
    notify_admin(runtime).delete_channel(channel_id)
    return _back(request)


@router.post("/notify/channels/test")
def send_test(
    request: Request,
    runtime: RuntimeDep,
    channel_id: ChannelId,
    address: Short = "",
    language: Annotated[str, Form(max_length=2)] = "id",
) -> Response:
    """Send a test message now and say whether the receiver confirmed it."""
    words = notify_words(runtime, web_state(request).catalogues)
    error = notify_admin(runtime).send_test(channel_id, address.strip(), language, words)
    if error is None:
        return _back(request, tested=channel_id)
    return _back(request, tested=channel_id, error=error)


@router.get("/notify/outbox")
def outbox_page(
    request: Request,
    runtime: RuntimeDep,
    renderer: RendererDep,
    fmt: FormatterDep,
    status: Annotated[str | None, Query(max_length=20)] = None,
) -> HTMLResponse:
    """Messages, newest first, with their tries and the reason of the failed ones."""
    statuses = (status,) if status in OUTBOX_STATUSES else ()
    context = {
        "page": "notify",
        "messages": notify_admin(runtime).outbox(statuses),
        "statuses": OUTBOX_STATUSES,
        "status": status if statuses else None,
    }
    return renderer.render(request, "notify/outbox.html", fmt, context)


@router.post("/notify/outbox/retry")
def retry(
    request: Request,
    runtime: RuntimeDep,
    message_id: Annotated[str, Form(min_length=1, max_length=400)],
) -> Response:
    """Queue a failed or skipped message again, due now."""
    notify_admin(runtime).retry(message_id)
    return _back(request, "/notify/outbox")
