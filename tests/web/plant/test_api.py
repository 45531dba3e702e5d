from __future__ import annotations

from datetime import timedelta
from fractions import Fraction
from typing import Any

import httpx
import pytest

from pabrik.runtime.accounts.permissions import Role
from pabrik.runtime.app import Runtime
from pabrik.runtime.settings import Settings
from pabrik.web.app import create_app

pytestmark = pytest.mark.anyio


def assert_ratio(ratio: dict[str, Any]) -> None:
    if ratio["value"] is None:
        assert ratio["exact"] is None
        assert ratio["reason"]
    else:
        exact = Fraction(ratio["exact"])
        assert float(exact) == pytest.approx(ratio["value"])


async def test_plant_overview_has_every_line_and_machine(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    r = await client.get("/api/v1/plant")
    assert r.status_code == 200
    body = r.json()
    assert body["site_name"] == runtime.plant.site.name
    assert body["timezone"] == runtime.plant.calendar.timezone
    assert [ln["id"] for ln in body["lines"]] == [ln.id for ln in runtime.plant.lines()]
    machines = [m for ln in body["lines"] for m in ln["machines"]]
    assert [m["id"] for m in machines] == [m.id for m in runtime.plant.machines()]
    for m in machines:
        for key in ("oee", "availability", "performance", "quality"):
            assert_ratio(m["oee_today"][key])
    assert isinstance(body["dead_letters"], int)


async def test_fractions_are_sent_as_float_and_exact_string(client: httpx.AsyncClient) -> None:
    body = (await client.get("/api/v1/plant")).json()
    ratios = [body["oee_today"][k] for k in ("availability", "performance", "quality", "oee")]
    present = [r for r in ratios if r["value"] is not None]
    assert present, "a simulated day has at least one KPI value"
    for ratio in present:
        num, den = ratio["exact"].split("/")
        assert int(den) > 0
        assert int(num) / int(den) == pytest.approx(ratio["value"])


@pytest.mark.parametrize("window", ["shift", "day", "7d"])
async def test_machine_detail_for_each_window(client: httpx.AsyncClient, window: str) -> None:
    r = await client.get(f"/api/v1/machines/imm-01?window={window}")
    assert r.status_code == 200
    body = r.json()
    assert body["window"] == window
    assert body["status"]["id"] == "imm-01"
    assert {s["id"] for s in body["signals"]} >= {"temperature", "vibration"}
    for span in body["timeline"]:
        assert span["start"] < span["end"]
    assert_ratio(body["oee"]["oee"])


async def test_machine_detail_with_a_bad_window_is_422(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/v1/machines/imm-01?window=month")
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["code"] == "invalid_request"
    assert error["details"]["reason"] == "bad_window"


async def test_unknown_machine_is_a_404_json_error(client: httpx.AsyncClient) -> None:
    client.cookies.set("pabrik_lang", "en")
    r = await client.get("/api/v1/machines/no-such-machine")
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/json"
    assert r.json() == {
        "error": {
            "code": "not_found",
            "message": "Not found",
            "details": {
                "machine_id": "no-such-machine",
                "detail": "machine 'no-such-machine' not found",
            },
        }
    }


async def test_unknown_api_path_is_a_json_404(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/v1/nothing")
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "not_found"


async def test_oee_over_a_window_with_offsets(client: httpx.AsyncClient, runtime: Runtime) -> None:
    end = runtime.now().replace(microsecond=0)
    start = end - timedelta(hours=6)
    params = {"scope": "plant", "from": start.isoformat(), "to": end.isoformat()}
    r = await client.get("/api/v1/oee", params=params)
    assert r.status_code == 200
    body = r.json()
    assert body["scope"] == "plant"
    assert body["planned_ms"] >= body["run_ms"] >= 0
    assert_ratio(body["oee"])


async def test_oee_accepts_an_offset_whose_plus_became_a_space(client: httpx.AsyncClient) -> None:
    url = "/api/v1/oee?scope=imm-01&from=2025-01-06T06:00:00+07:00&to=2025-01-06T14:00:00+07:00"
    r = await client.get(url)
    assert r.status_code == 200
    assert r.json()["start"].startswith("2025-01-05T23:00:00")


async def test_oee_with_end_before_start_is_422_with_a_clear_message(
    client: httpx.AsyncClient,
) -> None:
    params = {"scope": "plant", "from": "2025-01-06T14:00+07:00", "to": "2025-01-06T06:00+07:00"}
    client.cookies.set("pabrik_lang", "en")
    r = await client.get("/api/v1/oee", params=params)
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["code"] == "invalid_request"
    assert error["message"] == "'to' must be after 'from'"
    indonesian = await client.get("/api/v1/oee", params=params | {"lang": "id"})
    assert indonesian.json()["error"]["message"] == "Waktu 'to' harus setelah 'from'"


@pytest.mark.parametrize("value", ["2025-01-06T06:00", "yesterday", "2025-13-01T00:00+07:00"])
async def test_oee_needs_iso_times_with_an_offset(client: httpx.AsyncClient, value: str) -> None:
    params = {"scope": "plant", "from": value, "to": "2025-01-07T06:00+07:00"}
    r = await client.get("/api/v1/oee", params=params)
    assert r.status_code == 422
    assert r.json()["error"]["details"]["reason"] == "naive_datetime"


async def test_oee_with_an_unknown_scope_is_404(client: httpx.AsyncClient) -> None:
    params = {"scope": "atlantis", "from": "2025-01-06T06:00+07:00", "to": "2025-01-06T14:00+07:00"}
    r = await client.get("/api/v1/oee", params=params)
    assert r.status_code == 404
    assert r.json()["error"]["details"]["scope"] == "atlantis"


async def test_oee_needs_a_scope(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/v1/oee")
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "invalid_request"


async def test_dead_letters_are_listed_with_reason_and_raw_payload(
    client: httpx.AsyncClient,
) -> None:
    r = await client.get("/api/v1/dead-letters?limit=10")
    assert r.status_code == 200
    body = r.json()
    assert body["total"] >= 1
    assert body["limit"] == 10
    hostile = [d for d in body["items"] if d["source"] == "test/hostile"]
    assert hostile
    assert hostile[0]["reason_code"] == "bad_timestamp"
    assert "<script>" in hostile[0]["payload"]


async def test_dead_letters_reject_a_silly_limit(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/v1/dead-letters?limit=0")
    assert r.status_code == 422


async def test_openapi_describes_the_api(client: httpx.AsyncClient) -> None:
    r = await client.get("/openapi.json")
    assert r.status_code == 200
    spec = r.json()
    paths = spec["paths"]
    for path in (
        "/api/v1/plant",
        "/api/v1/machines/{machine_id}",
        "/api/v1/oee",
        "/api/v1/dead-letters",
    ):
        assert path in paths
    assert "/" not in paths
    assert "RatioPublic" in spec["components"]["schemas"]
    oee_params = {p["name"] for p in paths["/api/v1/oee"]["get"]["parameters"]}
    assert oee_params == {"scope", "window", "from", "to"}


async def test_an_app_built_from_settings_owns_its_runtime(settings: Settings) -> None:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        made = app.state.accounts.create_token(
            None, label="test", role=Role.OPERATOR, tenant_id=app.state.accounts.site_tenant
        )
        headers = {"Authorization": f"Bearer {made.secret}"}
        async with httpx.AsyncClient(
            transport=transport, base_url="http://testserver", headers=headers
        ) as c:
            r = await c.get("/api/v1/plant")
    assert r.status_code == 200
    assert r.json()["lines"]
