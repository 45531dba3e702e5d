"""POST endpoints a plant's forwarder calls with its per-plant credential (no session)."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from pabrik.runtime.federation.central import receive_batch, receive_status
from pabrik.runtime.federation.plants import plant_of_header
from pabrik.web.deps import RuntimeDep
from pabrik.web.schemas import ErrorPublic

api = APIRouter(
    prefix="/api/v1/federation",
    tags=["federation"],
    responses={
        401: {"model": ErrorPublic, "description": "Unknown, wrong or revoked plant credential"},
        403: {"model": ErrorPublic, "description": "A machine of another tenant's plant"},
    },
)


class BatchAnswerPublic(BaseModel):
    """Rows offered and newly stored; ``repeated`` when this idempotency key was seen before."""

    offered: int
    inserted: int
    repeated: bool


@api.post("/batches")
async def post_batch(request: Request, runtime: RuntimeDep) -> BatchAnswerPublic:
    """Store a plant's batch once (records upserted by natural key); then its cursor may move."""
    plant = await run_in_threadpool(
        plant_of_header, runtime.store, request.headers.get("authorization", "")
    )
    raw = await request.body()
    answer = await run_in_threadpool(receive_batch, runtime.store, plant, raw, datetime.now(UTC))
    return BatchAnswerPublic(
        offered=answer.offered, inserted=answer.inserted, repeated=answer.repeated
    )


@api.post("/status")
async def post_status(request: Request, runtime: RuntimeDep) -> dict[str, bool]:
    """Keep a plant's reported status (disk use against its budget, backlog, deletions)."""
    plant = await run_in_threadpool(
        plant_of_header, runtime.store, request.headers.get("authorization", "")
    )
    raw = await request.body()
    await run_in_threadpool(receive_status, runtime.store, plant, raw, datetime.now(UTC))
    return {"ok": True}
