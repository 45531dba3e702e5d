"""A machine page's polls share one recent view; the page computes its own and leaves it to them."""

from __future__ import annotations

import httpx
import pytest

from pabrik.runtime.app import Runtime

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("views_outlive_the_test")]


@pytest.fixture
def views_outlive_the_test(runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests are about sharing a view, not its expiry: a slow machine must not age it."""
    monkeypatch.setattr(runtime._details, "ttl_s", 3600.0)


async def test_the_polls_of_a_machine_share_one_view(runtime: Runtime) -> None:
    first = runtime.polled_machine("imm-01", "shift")
    assert runtime.polled_machine("imm-01", "shift") is first
    assert runtime.polled_machine("imm-01", "day") is not first
    assert runtime.machine_detail("imm-01", "shift") is not first


async def test_the_chart_api_and_the_live_part_answer_from_the_polled_view(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    view = runtime.polled_machine("imm-01", "day")
    api = await client.get("/api/v1/machines/imm-01?window=day")
    assert api.status_code == 200
    assert api.json()["status"]["id"] == view.status.id == "imm-01"
    live = await client.get("/partials/machines/imm-01?window=day")
    assert live.status_code == 200
    assert runtime.polled_machine("imm-01", "day") is view


async def test_opening_the_page_computes_its_view_and_the_loads_after_it_reuse_it(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    before = runtime.polled_machine("imm-01", "day")
    computed = runtime._details.computed
    page = await client.get("/machines/imm-01?window=day")
    assert page.status_code == 200
    assert runtime._details.computed == computed + 1
    opened = runtime.polled_machine("imm-01", "day")
    assert opened is not before
    assert (await client.get("/api/v1/machines/imm-01?window=day")).status_code == 200
    assert (await client.get("/partials/machines/imm-01?window=day")).status_code == 200
    assert runtime._details.computed == computed + 1
    assert runtime.polled_machine("imm-01", "day") is opened


async def test_a_view_kept_by_an_opened_page_equals_a_fresh_one(runtime: Runtime) -> None:
    now = runtime.now()
    opened = runtime.polled_machine("imm-01", "shift", opened=True)
    assert opened == runtime.machine_detail("imm-01", "shift", now)


async def test_an_unknown_machine_is_still_not_found(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/v1/machines/no-such-machine")).status_code == 404
    assert (await client.get("/machines/no-such-machine")).status_code == 404
