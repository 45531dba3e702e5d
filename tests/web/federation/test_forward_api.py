"""The central's federation endpoints over HTTP: credential, idempotency, tenancy, revocation."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
import pytest

from pabrik.runtime.app import Runtime
from pabrik.runtime.federation.plants import add_plant, revoke_plant
from pabrik.storage.accounts import TenantRow
from tests.paths import DEMO

NOW = datetime(2025, 3, 10, tzinfo=UTC)
URL = "/api/v1/federation/batches"
DEMO_TEXT = DEMO.read_text(encoding="utf-8")
pytestmark = pytest.mark.anyio


def _batch(key: str, machine: str) -> bytes:
    rows = [[machine, "temp", 1741564800000 + i, "mqtt", float(i), "good"] for i in range(3)]
    return json.dumps({"key": key, "lane": "live", "historical": False, "samples": rows}).encode()


def _bearer(credential: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {credential}", "Content-Type": "application/json"}


@pytest.fixture(scope="module")
def plants(runtime: Runtime) -> tuple[str, str]:
    for tenant in ("fed-satu", "fed-dua"):
        row = TenantRow(tenant, tenant, None, None, None, "medium", "[]", NOW, NOW)
        runtime.store.save_tenant(row, [])
    one = add_plant(runtime.store, "fed-plant-1", "fed-satu", "Plant 1", NOW)
    two = add_plant(runtime.store, "fed-plant-2", "fed-dua", "Plant 2", NOW)
    return one, two


async def test_a_batch_without_a_valid_credential_is_refused(
    anon: httpx.AsyncClient, plants: tuple[str, str]
) -> None:
    assert (await anon.post(URL, content=_batch("k0", "fed-m1"))).status_code == 401
    wrong = _bearer("pfp.fed-plant-1.not-the-secret")
    assert (await anon.post(URL, content=_batch("k0", "fed-m1"), headers=wrong)).status_code == 401


async def test_a_batch_is_stored_once_and_a_repeated_key_is_answered_the_same(
    anon: httpx.AsyncClient, plants: tuple[str, str]
) -> None:
    one, _ = plants
    first = await anon.post(URL, content=_batch("k1", "fed-m1"), headers=_bearer(one))
    assert first.status_code == 200
    assert first.json() == {"offered": 3, "inserted": 3, "repeated": False}
    again = await anon.post(URL, content=_batch("k1", "fed-m1"), headers=_bearer(one))
    assert again.json() == {"offered": 3, "inserted": 3, "repeated": True}
    other_key = await anon.post(URL, content=_batch("k2", "fed-m1"), headers=_bearer(one))
    assert other_key.json()["inserted"] == 0  # same natural keys: nothing stored twice


async def test_another_tenants_plant_may_not_write_the_machine_and_revoking_stops_a_plant(
    anon: httpx.AsyncClient, runtime: Runtime, plants: tuple[str, str]
) -> None:
    one, two = plants
    await anon.post(URL, content=_batch("k3", "fed-m3"), headers=_bearer(one))
    intruder = await anon.post(URL, content=_batch("k4", "fed-m3"), headers=_bearer(two))
    assert intruder.status_code == 403
    assert intruder.json()["error"]["code"] == "forbidden"
    revoke_plant(runtime.store, "fed-plant-1", NOW)
    refused = await anon.post(URL, content=_batch("k5", "fed-m1"), headers=_bearer(one))
    assert refused.status_code == 401


async def test_a_plants_status_is_kept_and_its_site_document_feeds_the_group_view(
    anon: httpx.AsyncClient, runtime: Runtime, plants: tuple[str, str]
) -> None:
    _, two = plants
    status = {"used_bytes": 10, "alarm": True, "site_version": 1, "site_document": DEMO_TEXT}
    r = await anon.post("/api/v1/federation/status", json=status, headers=_bearer(two))
    assert r.status_code == 200
    plant = runtime.store.plant("fed-plant-2")
    assert plant is not None
    assert plant.status_json is not None
    kept = json.loads(plant.status_json)
    assert kept["alarm"] is True
    assert "site_document" not in kept
    [site] = runtime.store.group_sites("fed-dua")
    assert site.site_id == "fed-plant-2"
    assert site.document == DEMO_TEXT
