"""A machine page's polls share one recent view; the page computes its own and leaves it to them."""

from __future__ import annotations

import zlib
from datetime import timedelta

import httpx
import pytest

from pabrik.runtime.app import Runtime
from pabrik.runtime.plant import queries
from pabrik.runtime.plant.reused_views import CHART_REFRESH_S, PageViews
from pabrik.runtime.plant.views import MachineLive
from pabrik.web.encoded import EncodedViews
from pabrik.web.plant.schemas import MachineDetailPublic, PlantPublic
from pabrik.web.schemas import TextPublic

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("views_outlive_the_test")]


@pytest.fixture
def views_outlive_the_test(runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests are about sharing a view, not its expiry: a slow machine must not age it."""
    for reuse in (runtime.views.details, runtime.views.overviews, runtime.views.lives):
        monkeypatch.setattr(reuse, "ttl_s", 3600.0)


async def test_the_polls_of_a_machine_share_one_view(runtime: Runtime) -> None:
    first = runtime.views.machine("imm-01", "shift")
    assert runtime.views.machine("imm-01", "shift") is first
    assert runtime.views.machine("imm-01", "day") is not first
    assert runtime.machine_detail("imm-01", "shift") is not first


async def test_the_chart_api_answers_from_the_polled_view(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    view = runtime.views.machine("imm-01", "day")
    api = await client.get("/api/v1/machines/imm-01?window=day")
    assert api.status_code == 200
    assert api.json()["status"]["id"] == view.status.id == "imm-01"
    assert runtime.views.machine("imm-01", "day") is view


async def test_the_live_part_polls_its_own_view_and_never_computes_the_page(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    pages, lives = runtime.views.details.computed, runtime.views.lives.computed
    for _ in range(3):
        live = await client.get("/partials/machines/imm-01?window=day")
        assert live.status_code == 200
        assert 'id="machine-live"' in live.text
    assert (runtime.views.details.computed, runtime.views.lives.computed) == (pages, lives + 1)


async def test_the_live_numbers_are_the_pages_own(runtime: Runtime) -> None:
    now = runtime.now()
    for window in ("shift", "day", "7d"):
        page = queries.machine_detail(runtime.engine, "imm-03", window, now)
        live = queries.machine_live(runtime.engine, "imm-03", window, now)
        assert live == MachineLive(page.status, page.window, page.reasons, page.oee)


async def test_opening_the_page_computes_its_view_and_the_loads_after_it_reuse_it(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    before = runtime.views.machine("imm-01", "day")
    computed = runtime.views.details.computed
    page = await client.get("/machines/imm-01?window=day")
    assert page.status_code == 200
    assert runtime.views.details.computed == computed + 1
    opened = runtime.views.machine("imm-01", "day")
    assert opened is not before
    assert (await client.get("/api/v1/machines/imm-01?window=day")).status_code == 200
    assert (await client.get("/partials/machines/imm-01?window=day")).status_code == 200
    assert runtime.views.details.computed == computed + 1
    assert runtime.views.machine("imm-01", "day") is opened


async def test_a_view_kept_by_an_opened_page_equals_a_fresh_one(runtime: Runtime) -> None:
    now = runtime.now()
    opened = runtime.views.machine("imm-01", "shift", opened=True)
    assert opened == runtime.machine_detail("imm-01", "shift", now)


async def test_an_open_page_view_lasts_until_its_chart_reloads(runtime: Runtime) -> None:
    clock, now = [0.0], [runtime.now()]
    views = PageViews(runtime.engine, lambda: now[0], lambda: 0, ttl_s=5.0)
    views.details._monotonic = lambda: clock[0]
    opened = views.machine("imm-01", "shift", opened=True)
    clock[0], now[0] = CHART_REFRESH_S - 1.0, now[0] + timedelta(seconds=CHART_REFRESH_S - 1)
    assert views.machine("imm-01", "shift") is opened
    assert (views.details.computed, views.details.stale) == (1, 0)  # not even a refresh


async def test_an_unknown_machine_is_still_not_found(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/v1/machines/no-such-machine")).status_code == 404
    assert (await client.get("/machines/no-such-machine")).status_code == 404


async def test_a_view_is_encoded_once_and_answers_as_fastapi_would_encode_it(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    view = runtime.views.machine("imm-02", "shift")
    first = await client.get("/api/v1/machines/imm-02?window=shift")
    again = await client.get("/api/v1/machines/imm-02?window=shift")
    assert runtime.views.machine("imm-02", "shift") is view
    assert first.content == again.content
    expected = MachineDetailPublic.of(view, "shift").model_dump(mode="json", by_alias=True)
    assert first.json() == expected
    assert first.headers["content-type"] == "application/json"


async def test_a_new_view_object_is_encoded_anew_and_an_old_one_is_not_encoded_again() -> None:
    encoded, calls = EncodedViews(keep=2), list[str]()

    def public(text: str) -> TextPublic:
        calls.append(text)
        return TextPublic(id=text, en=text)

    old, new = object(), object()
    assert encoded.response(old, "day", lambda: public("old")).body == b'{"id":"old","en":"old"}'
    assert encoded.response(old, "day", lambda: public("again")).body.startswith(b'{"id":"old"')
    assert encoded.response(new, "day", lambda: public("new")).body.startswith(b'{"id":"new"')
    assert encoded.response(old, "7d", lambda: public("7d")).body.startswith(b'{"id":"7d"')
    assert calls == ["old", "new", "7d"]


async def test_a_view_is_compressed_once_for_clients_that_accept_gzip() -> None:
    encoded, calls = EncodedViews(), list[str]()

    def public() -> TextPublic:
        calls.append("built")
        return TextPublic(id="x" * 2_000, en="y")

    view = object()
    plain = encoded.response(view, "day", public)
    zipped = encoded.response(view, "day", public, "gzip, deflate")
    again = encoded.response(view, "day", public, "deflate, gzip")
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.headers["vary"] == "Accept-Encoding"
    assert zlib.decompress(zipped.body, 16 + zlib.MAX_WBITS) == plain.body
    assert again.body is zipped.body
    assert "content-encoding" not in encoded.response(view, "day", public, "br").headers
    assert calls == ["built"]


async def test_the_plant_api_sends_its_view_compressed_once_and_as_the_model_encodes_it(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    view = runtime.overview()
    zipped = await client.get("/api/v1/plant", headers={"accept-encoding": "gzip"})
    plain = await client.get("/api/v1/plant", headers={"accept-encoding": "identity"})
    assert runtime.overview() is view
    assert zipped.headers["content-encoding"] == "gzip"
    assert "content-encoding" not in plain.headers
    assert zipped.content == plain.content  # httpx decompressed the first
    assert plain.json() == PlantPublic.of(view).model_dump(mode="json", by_alias=True)
