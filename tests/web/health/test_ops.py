"""Health, readiness and metrics over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from pabrik.runtime.app import build_runtime
from pabrik.runtime.settings import Settings
from pabrik.web.app import create_app
from tests.paths import DEMO
from tests.pg import free_port

pytestmark = pytest.mark.anyio


async def test_healthz_answers_without_touching_the_database(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "alive"}


async def test_readyz_says_ready_with_the_schema_and_latency(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready"
    assert body["schema"]["applied"] == body["schema"]["latest"]
    assert body["db_latency_ms"] >= 0


async def test_metrics_are_prometheus_text(client: httpx.AsyncClient) -> None:
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    lines = response.text.splitlines()
    assert "# TYPE pabrik_ingest_accepted_total counter" in lines
    assert "pabrik_store_up 1" in lines
    assert any(line.startswith("pabrik_dead_letters ") for line in lines)


SCRAPE_TOKEN = "scrape-secret-for-tests"


@pytest.fixture
async def down_client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    url = f"postgresql://pabrik:s3cret@127.0.0.1:{free_port()}/plant"
    settings = Settings(
        config=DEMO,
        data_dir=tmp_path,
        database_url=url,
        db_timeout_s=0.3,
        metrics_token=SCRAPE_TOKEN,
    )
    runtime = build_runtime(settings, wait=False)
    transport = httpx.ASGITransport(app=create_app(settings, runtime))
    # Prometheus scrapes with its own token, which needs no database (issue 7).
    headers = {"Authorization": f"Bearer {SCRAPE_TOKEN}"}
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", headers=headers
    ) as c:
        yield c
    runtime.store.close()


async def test_readyz_says_why_not_while_the_database_is_down(
    down_client: httpx.AsyncClient,
) -> None:
    response = await down_client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "not ready"
    assert "database unreachable" in body["reason"]
    assert "s3cret" not in response.text
    assert (await down_client.get("/healthz")).status_code == 200
    assert "pabrik_store_up 0" in (await down_client.get("/metrics")).text
