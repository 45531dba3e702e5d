"""The JSON API under ``/api/v1/``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from pabrik.model.errors import InvalidRequestError
from pabrik.model.validation import parse_iso_instant
from pabrik.web.deps import RuntimeDep
from pabrik.web.plant.schemas import (
    DeadLetterPagePublic,
    ErrorPublic,
    MachineDetailPublic,
    OeePublic,
    PlantPublic,
)

Window = Literal["shift", "day", "7d"]

router = APIRouter(
    prefix="/api/v1",
    tags=["api"],
    responses={
        404: {"model": ErrorPublic, "description": "Unknown machine, line or scope"},
        422: {"model": ErrorPublic, "description": "Invalid parameters"},
    },
)


@router.get("/plant", summary="Plant overview")
def get_plant(runtime: RuntimeDep) -> PlantPublic:
    """Every line and machine with its state, OEE and counts."""
    return PlantPublic.of(runtime.overview())


@router.get("/machines/{machine_id}", summary="Machine detail")
def get_machine(
    runtime: RuntimeDep,
    machine_id: str,
    window: Annotated[Window, Query(description="shift, day or 7d")] = "shift",
) -> MachineDetailPublic:
    """Timeline, OEE per shift, counts, sensors and downtime reasons over a window."""
    return MachineDetailPublic.of(runtime.machine_detail(machine_id, window), window)


@router.get("/oee", summary="OEE over any window")
def get_oee(
    runtime: RuntimeDep,
    scope: Annotated[str, Query(description="A machine id, a line id or 'plant'")],
    start: Annotated[
        str, Query(alias="from", description="ISO 8601 with offset, e.g. 2024-01-15T06:00+07:00")
    ],
    end: Annotated[str, Query(alias="to", description="ISO 8601 with offset, after 'from'")],
) -> OeePublic:
    """OEE with availability, performance and quality for a scope and window."""
    begin, finish = parse_instant(start, "from"), parse_instant(end, "to")
    if finish <= begin:
        raise InvalidRequestError(
            "'to' must be after 'from'", reason="window_order", start=start, end=end
        )
    return OeePublic.of(runtime.oee(scope, begin, finish))


@router.get("/dead-letters", summary="Rejected records")
def get_dead_letters(
    runtime: RuntimeDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
) -> DeadLetterPagePublic:
    """Records that ingest refused, newest first, with the reason."""
    items = runtime.dead_letters(limit=limit, offset=offset)
    return DeadLetterPagePublic.of(items, runtime.dead_letter_count(), limit, offset)


def parse_instant(value: str, name: str) -> datetime:
    """A UTC datetime from ISO 8601 with an offset; a ``+`` decoded as a space is put back."""
    text = value.strip()
    if len(text) > 10 and text[-6] == " ":
        text = f"{text[:-6]}+{text[-5:]}"
    try:
        return parse_iso_instant(text)
    except ValueError as err:
        raise InvalidRequestError(
            f"'{name}' is not an ISO 8601 date-time with a UTC offset",
            reason="naive_datetime",
            field=name,
        ) from err
