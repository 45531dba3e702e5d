"""Operations endpoints: ``/healthz``, ``/readyz`` and Prometheus ``/metrics``."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse, PlainTextResponse

from pabrik.runtime.health import ops
from pabrik.web.deps import RuntimeDep

router = APIRouter(tags=["ops"], include_in_schema=False)

PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8"


@router.get("/healthz")
def healthz() -> JSONResponse:
    """The process is alive; says nothing about the database."""
    return JSONResponse(ops.liveness(), headers={"Cache-Control": "no-store"})


@router.get("/readyz")
def readyz(runtime: RuntimeDep) -> JSONResponse:
    """200 when the store answers and its schema is current, else 503 with the reason."""
    state = ops.readiness(runtime)
    body: dict[str, object] = {"status": "ready" if state.ready else "not ready"}
    body["reason"] = state.reason
    if state.latency_s is not None:
        body["db_latency_ms"] = round(state.latency_s * 1000, 3)
    if state.schema is not None:
        body["schema"] = {"applied": state.schema[0], "latest": state.schema[1]}
    status = 200 if state.ready else 503
    return JSONResponse(body, status_code=status, headers={"Cache-Control": "no-store"})


@router.get("/metrics")
def metrics(runtime: RuntimeDep) -> PlainTextResponse:
    """Prometheus text exposition for this process."""
    return PlainTextResponse(ops.metrics_text(runtime), media_type=PROMETHEUS_TEXT)
