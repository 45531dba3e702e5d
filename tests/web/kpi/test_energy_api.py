from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.anyio


async def test_energy_api_refuses_a_reversed_period(client: httpx.AsyncClient) -> None:
    params = {
        "scope": "plant",
        "ref_from": "2025-03-06",
        "ref_to": "2025-03-01",
        "from": "2025-03-09",
        "to": "2025-03-10",
    }
    response = await client.get("/api/v1/kpi/energy", params=params)
    assert response.status_code == 422
    assert "end after it starts" in response.text


async def test_energy_api_names_a_bad_date(client: httpx.AsyncClient) -> None:
    params = {"scope": "plant", "ref_from": "x", "ref_to": "y", "from": "z", "to": "w"}
    response = await client.get("/api/v1/kpi/energy", params=params)
    assert response.status_code == 422
    assert "is not a date" in response.text
