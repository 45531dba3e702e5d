from __future__ import annotations

import re
from urllib.parse import urlsplit

import httpx
import pytest

from pabrik.runtime.app import Runtime
from pabrik.web.render import LANG_COOKIE
from tests.web.links import collect

pytestmark = pytest.mark.anyio

PERCENT_ID = re.compile(r"\d+,\d\u00a0%")
PERCENT_EN = re.compile(r"\d+\.\d%")


async def test_overview_speaks_indonesian_by_default(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    r = await client.get("/")
    assert r.status_code == 200
    assert '<html lang="id">' in r.text
    assert "Ringkasan pabrik" in r.text
    assert "OEE hari ini" in r.text
    for machine in runtime.plant.machines():
        assert machine.name.id in r.text
        assert f'href="/machines/{machine.id}"' in r.text
    assert PERCENT_ID.search(r.text), "percentages are formatted the Indonesian way (74,8 %)"


async def test_overview_switches_to_english_and_remembers_it(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    r = await client.get("/?lang=en")
    assert r.status_code == 200
    assert '<html lang="en">' in r.text
    assert "Plant overview" in r.text
    assert "Ringkasan pabrik" not in r.text
    assert r.cookies.get(LANG_COOKIE) == "en"
    for machine in runtime.plant.machines():
        assert (machine.name.en or machine.name.id) in r.text
    assert PERCENT_EN.search(r.text)

    again = await client.get("/")
    assert "Plant overview" in again.text

    back = await client.get("/?lang=id")
    assert "Ringkasan pabrik" in back.text
    assert back.cookies.get(LANG_COOKIE) == "id"


async def test_an_unsupported_language_falls_back_to_indonesian(client: httpx.AsyncClient) -> None:
    r = await client.get("/?lang=xx")
    assert '<html lang="id">' in r.text
    assert LANG_COOKIE not in r.cookies


async def test_every_machine_state_is_shown_as_text_next_to_its_colour(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    r = await client.get("/")
    badge = re.compile(
        r'<span class="state-badge state-([a-z_]+)">'
        r'<span class="dot" aria-hidden="true"></span>([^<]+)</span>'
    )
    badges = badge.findall(r.text)
    assert len(badges) == len(runtime.plant.machines())
    assert all(text.strip() for _, text in badges)


async def test_overview_links_the_dead_letters_with_their_count(client: httpx.AsyncClient) -> None:
    r = await client.get("/")
    assert 'href="/admin/dead-letters"' in r.text
    assert re.search(r'class="dead-letter-link has-items">\d+ data<', r.text)


async def test_overview_polls_its_live_partial_every_five_seconds(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/")
    assert 'hx-get="/partials/overview?lang=id"' in page.text
    assert 'hx-trigger="every 5s"' in page.text
    partial = await client.get("/partials/overview?lang=id")
    assert partial.status_code == 200
    assert "<html" not in partial.text
    assert 'id="overview-live"' in partial.text


async def test_machine_page_has_charts_reasons_and_oee_factors(client: httpx.AsyncClient) -> None:
    r = await client.get("/machines/imm-01?window=day")
    assert r.status_code == 200
    for chart in ("timeline", "oee", "counts", "signal"):
        assert f'data-chart="{chart}"' in r.text
    assert 'data-signal="temperature"' in r.text
    assert 'id="pabrik-chart-config"' in r.text
    assert "/api/v1/machines/imm-01?window=day" in r.text
    assert "Ketersediaan" in r.text
    assert "Alasan waktu henti (Pareto)" in r.text
    assert 'aria-current="page">Hari ini<' in r.text
    assert 'hx-get="/partials/machines/imm-01?window=day&amp;lang=id"' in r.text


@pytest.mark.parametrize("window", ["shift", "day", "7d"])
async def test_machine_page_renders_every_window(client: httpx.AsyncClient, window: str) -> None:
    r = await client.get(f"/machines/imm-01?window={window}")
    assert r.status_code == 200
    partial = await client.get(f"/partials/machines/imm-01?window={window}")
    assert partial.status_code == 200
    assert 'id="machine-live"' in partial.text


async def test_downtime_reasons_are_in_pareto_order(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    detail = runtime.machine_detail("imm-01", "day")
    if len(detail.reasons) < 2:
        pytest.skip("the simulated day has fewer than two downtime reasons")
    r = await client.get("/machines/imm-01?window=day")
    codes = re.findall(r'<th scope="row" data-code="([a-z0-9_-]+)">', r.text)
    expected = [x.reason for x in sorted(detail.reasons, key=lambda x: (-x.ms, x.reason))]
    assert codes == expected


async def test_unknown_machine_is_a_404_page(client: httpx.AsyncClient) -> None:
    r = await client.get("/machines/no-such-machine?lang=id")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/html")
    assert "Tidak ditemukan" in r.text
    assert "not_found" in r.text


async def test_unknown_path_is_a_404_page_in_english_when_asked(client: httpx.AsyncClient) -> None:
    r = await client.get("/nowhere?lang=en")
    assert r.status_code == 404
    assert "Not found" in r.text


async def test_a_bad_window_on_a_page_is_a_422_page(client: httpx.AsyncClient) -> None:
    r = await client.get("/machines/imm-01?window=month&lang=id")
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("text/html")
    assert "Permintaan tidak valid" in r.text


async def test_dead_letter_page_shows_the_payload_escaped(client: httpx.AsyncClient) -> None:
    r = await client.get("/admin/dead-letters?lang=id")
    assert r.status_code == 200
    assert "Data ditolak" in r.text
    assert "test/hostile" in r.text
    assert "<script>alert(1)</script>" not in r.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in r.text
    assert "bad_timestamp" in r.text


PAGES = ["/", "/machines/imm-01", "/machines/imm-01?window=7d", "/admin/dead-letters", "/nowhere"]


@pytest.mark.parametrize("path", PAGES)
async def test_every_asset_a_page_uses_is_served_locally(
    client: httpx.AsyncClient, path: str
) -> None:
    r = await client.get(path)
    links = collect(r.text)
    assert links.urls
    assert links.inline_scripts == 0
    for tag, attr, url in links.urls:
        parts = urlsplit(url)
        assert not parts.scheme, f"{tag} {attr}={url} leaves this server"
        assert not parts.netloc, f"{tag} {attr}={url} leaves this server"
        if tag in {"script", "link", "img"}:
            asset = await client.get(url)
            assert asset.status_code == 200, url
            assert asset.content


async def test_api_docs_are_served_without_a_cdn(client: httpx.AsyncClient) -> None:
    r = await client.get("/docs")
    assert r.status_code == 200
    for _, _, url in collect(r.text).urls:
        assert not urlsplit(url).netloc, url
        assert (await client.get(url)).status_code == 200
    assert "cdn." not in r.text


async def test_every_page_carries_strict_security_headers(client) -> None:
    for path in ("/", "/api/v1/plant", "/static/pabrik.css"):
        response = await client.get(path)
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert "script-src 'self';" in response.headers["content-security-policy"]
