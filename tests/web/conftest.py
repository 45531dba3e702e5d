from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from pabrik.runtime.app import Runtime, build_runtime
from pabrik.runtime.settings import Settings
from pabrik.web.app import create_app

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo-plant.yaml"
HOSTILE_PAYLOAD = '{"ts": "<script>alert(1)</script>", "state": "running"}'


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(config=DEMO, data_dir=tmp_path_factory.mktemp("pabrik-data"))


@pytest.fixture(scope="module")
def runtime(settings: Settings) -> Iterator[Runtime]:
    rt = build_runtime(settings)
    rt.backfill(days=1)
    rt.ingestor.offer_payload(
        HOSTILE_PAYLOAD, kind="state", source="test/hostile", machine_id="imm-01"
    )
    rt.ingestor.flush()
    yield rt
    rt.close()


@pytest.fixture(scope="module")
def app(settings: Settings, runtime: Runtime) -> FastAPI:
    return create_app(settings, runtime)


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c
