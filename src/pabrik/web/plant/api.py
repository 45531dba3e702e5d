"""The JSON API under ``/api/v1/``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from pabrik.web.deps import RuntimeDep, WindowDep
from pabrik.web.encoded import EncodedViews
from pabrik.web.kpi.schemas import OeePublic
from pabrik.web.plant.schemas import DeadLetterPagePublic, MachineDetailPublic, PlantPublic
from pabrik.web.schemas import ErrorPublic

ScopeQ = Annotated[str, Query(description="A machine, line or area id, or 'plant'")]

router = APIRouter(
    prefix="/api/v1",
    tags=["api"],
    responses={
        404: {"model": ErrorPublic, "description": "Unknown machine, line or scope"},
        422: {"model": ErrorPublic, "description": "Invalid parameters"},
    },
)


_ENCODED = EncodedViews()


@router.get("/plant", summary="Plant overview", response_model=PlantPublic)
def get_plant(runtime: RuntimeDep, request: Request) -> Response:
    """Every line and machine with its state, OEE and counts."""
    view = runtime.overview()
    accept = request.headers.get("accept-encoding", "")
    return _ENCODED.response(view, "plant", lambda: PlantPublic.of(view), accept)


@router.get("/machines/{machine_id}", summary="Machine detail", response_model=MachineDetailPublic)
def get_machine(
    runtime: RuntimeDep,
    request: Request,
    machine_id: str,
    window: Annotated[str, Query(description="shift, day, 7d or 30d")] = "shift",
) -> Response:
    """Timeline, OEE per shift, counts, sensors and downtime reasons over a window."""
    # Charts poll this every few seconds: a recent view serves them all (as the overview's).
    view = runtime.views.machine(machine_id, window)
    accept = request.headers.get("accept-encoding", "")
    return _ENCODED.response(view, window, lambda: MachineDetailPublic.of(view, window), accept)


@router.get("/oee", summary="OEE over a named or custom window")
def get_oee(runtime: RuntimeDep, scope: ScopeQ, window: WindowDep) -> OeePublic:
    """OEE with its factors, counts, top loss, coverage and the period measured."""
    return OeePublic.of(runtime.oee(scope, window))


@router.get("/dead-letters", summary="Rejected records")
def get_dead_letters(
    runtime: RuntimeDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
) -> DeadLetterPagePublic:
    """Records that ingest refused, newest first, with the reason."""
    items = runtime.dead_letters(limit=limit, offset=offset)
    return DeadLetterPagePublic.of(items, runtime.dead_letter_count(), limit, offset)
