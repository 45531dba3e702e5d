"""Real Chromium: the wall display rotates through the lines and keeps its figures offline, and
the losses page's table and chart legends fit a 390 x 844 phone without sideways scrolling."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI

from tests.web.browser import browser_log_in, served

pytestmark = pytest.mark.browser
FITS = """(sel) => Array.from(document.querySelectorAll(sel)).filter((e) => e.offsetParent)
    .map((e) => [e.className, e.scrollWidth, e.clientWidth])"""


@pytest.fixture(scope="module")
def base_url(app: FastAPI) -> Iterator[str]:
    with served(app) as url:
        yield url


def test_the_wall_rotates_through_the_lines_in_large_numbers_and_survives_the_network(
    chromium: object, base_url: str, tmp_path: Path
) -> None:
    context = chromium.new_context(viewport={"width": 1920, "height": 1080})  # type: ignore[attr-defined]
    page = context.new_page()
    outside: list[str] = []
    page.on(
        "request",
        lambda r: outside.append(r.url) if not r.url.startswith(base_url) else None,
    )
    browser_log_in(page, base_url)
    page.goto(f"{base_url}/wall?seconds=5&refresh=5")
    lines = page.locator(".wall-line")
    assert lines.count() >= 2
    first = page.evaluate("document.documentElement.dataset.line")
    big = page.locator(".wall-line:not([hidden]) .wall-big").first
    assert float(big.evaluate("(e) => parseFloat(getComputedStyle(e).fontSize)")) >= 64
    states = page.locator(".wall-line:not([hidden]) .wall-machine[data-state]")
    assert states.count() >= 1
    page.screenshot(path=str(tmp_path / "wall.png"))
    page.wait_for_selector(f"html[data-line]:not([data-line='{first}'])", timeout=10_000)
    page.wait_for_selector("html[data-offline-ready='1']", timeout=15_000)
    page.reload()  # now under the service worker, which keeps the page
    context.set_offline(True)
    page.wait_for_selector("[data-wall-offline]:not([hidden])", timeout=15_000)
    assert page.locator(".wall-line .wall-big").count() >= 3, "the last figures stay on screen"
    page.reload()  # a screen restarting while the server is unreachable
    page.wait_for_selector("[data-wall-offline]:not([hidden])", timeout=15_000)
    assert page.locator(".wall-line .wall-big").count() >= 3, "the wall comes back from the cache"
    context.set_offline(False)
    assert outside == [], "no CDN: every request stays on the server"
    context.close()


def test_the_losses_table_and_chart_legends_fit_a_phone(
    chromium: object, base_url: str, tmp_path: Path
) -> None:
    phone = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)  # type: ignore[attr-defined]
    page = phone.new_page()
    browser_log_in(page, base_url)
    paths = (
        "/kpi/losses?window=day",
        "/kpi/costs",
        "/kpi/targets",
        "/kpi/shift-report",
        "/machines/imm-01",
    )
    for path in paths:
        page.goto(f"{base_url}{path}")
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(300)
        root = page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert root[0] <= root[1], (path, root)
        for cls, scroll, client in page.evaluate(FITS, "main table, .legend, [data-kpi-chart]"):
            assert scroll <= client, (path, cls, scroll, client)
        page.screenshot(path=str(tmp_path / f"phone{path.replace('/', '-')}.png"), full_page=True)
    page.goto(f"{base_url}/kpi/costs")
    legend = page.wait_for_selector("[data-legend]").get_attribute("data-legend")
    assert legend == "scroll", "on a phone the cost chart's legend is one row that scrolls"
    phone.close()
