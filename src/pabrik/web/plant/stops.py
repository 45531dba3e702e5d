"""Operators give reasons to stops: a page per machine and the same in the JSON API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from pabrik.model.errors import InvalidRequestError
from pabrik.model.records import from_epoch_ms
from pabrik.present.accounts.labels import reason_text
from pabrik.runtime.plant.stops import StopView, assign_reason, reasons_for, recent_stops
from pabrik.runtime.plant.stops import stops_page as stops_page_of
from pabrik.web.auth import ScopeDep
from pabrik.web.deps import FormatterDep, RendererDep, RuntimeDep, parse_instant
from pabrik.web.machine_forms import MAX_MS, SEE_OTHER, machine_form
from pabrik.web.schemas import ErrorPublic

api = APIRouter(
    prefix="/api/v1",
    tags=["operator input"],
    responses={
        404: {"model": ErrorPublic, "description": "Unknown machine or stop"},
        422: {"model": ErrorPublic, "description": "A reason not configured for the machine"},
    },
)
pages = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)


class StopPublic(BaseModel):
    """A stop with its reason and who gave it."""

    ts: datetime
    source: str
    state: str
    reason: str | None
    duration_s: float | None
    entered_by: str | None

    @classmethod
    def of(cls, s: StopView) -> StopPublic:
        """From the read model."""
        return cls(
            ts=s.ts,
            source=s.source,
            state=s.state.value,
            reason=s.reason,
            duration_s=s.duration_s,
            entered_by=s.entered_by,
        )


class StopReasonIn(BaseModel):
    """Which stop (its natural key) and the reason from the machine's list."""

    ts: str = Field(max_length=40, description="The stop's start, ISO 8601 with offset")
    source: str = Field(min_length=1, max_length=200)
    reason: str = Field(min_length=1, max_length=64)


@api.get("/machines/{machine_id}/stops", summary="Recent stops of a machine")
def get_stops(runtime: RuntimeDep, machine_id: str) -> list[StopPublic]:
    """Stops of the last week, newest first; those without a reason need one."""
    return [StopPublic.of(s) for s in recent_stops(runtime, machine_id)]


@api.put("/machines/{machine_id}/stops/reason", summary="Give a stop a reason")
def put_stop_reason(
    runtime: RuntimeDep, scope: ScopeDep, machine_id: str, body: StopReasonIn
) -> StopPublic:
    """Set the reason of one stop from the machine's configured list (audited)."""
    ts = parse_instant(body.ts, "ts")
    return StopPublic.of(assign_reason(runtime, scope, machine_id, ts, body.source, body.reason))


@pages.get("/machines/{machine_id}/stops")
def stops_page(
    request: Request,
    machine_id: str,
    runtime: RuntimeDep,
    renderer: RendererDep,
    fmt: FormatterDep,
    error: str | None = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    micro: Annotated[bool, Query()] = False,
) -> HTMLResponse:
    """The week's stops, a page at a time, micro-stops grouped, each with a reason form."""
    context = machine_form(runtime, machine_id, fmt)
    listed = stops_page_of(runtime, machine_id, page, micro=micro)
    choices = {
        state: [(r.id, r.name.get(fmt.locale)) for r in reasons_for(runtime, machine_id, state)]
        for state in {s.state for s in listed.stops}
    }
    context |= {
        "listed": listed,
        "stops": listed.stops,
        "micro_limit_ms": round(runtime.plant.limits.micro_stop_s * 1000),
        "choices": choices,
        "error": reason_text(fmt.translator, error) if error else "",
        "page": "machine",
    }
    return renderer.render(request, "accounts/stops.html", fmt, context)


@pages.post("/machines/{machine_id}/stops")
def save_stop_reason(
    request: Request,
    machine_id: str,
    runtime: RuntimeDep,
    scope: ScopeDep,
    ts_ms: Annotated[int, Form(ge=0, le=MAX_MS)],
    source: Annotated[str, Form(min_length=1, max_length=200)],
    reason: Annotated[str, Form(min_length=1, max_length=64)],
) -> Response:
    """Give one stop a reason and come back to the list."""
    root = request.scope.get("root_path", "")
    try:
        assign_reason(runtime, scope, machine_id, from_epoch_ms(ts_ms), source, reason)
    except InvalidRequestError as err:
        code = err.details.get("reason", "bad_reason")
        return RedirectResponse(f"{root}/machines/{machine_id}/stops?error={code}", SEE_OTHER)
    return RedirectResponse(f"{root}/machines/{machine_id}/stops?saved=1", SEE_OTHER)
