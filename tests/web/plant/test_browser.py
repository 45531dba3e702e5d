"""A real Chromium journey through the dashboard, served by uvicorn on a free port."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pabrik.runtime.accounts.service import Accounts
from pabrik.runtime.app import Runtime
from pabrik.runtime.settings import Settings
from pabrik.web.app import create_app
from tests.web.browser import browser_log_in, served

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def base_url(settings: Settings, runtime: Runtime, accounts: Accounts) -> Iterator[str]:
    with served(create_app(settings, runtime, live=True)) as url:
        yield url


def test_a_manager_follows_a_machine_and_switches_language(
    chromium: object, base_url: str, tmp_path: Path
) -> None:
    context = chromium.new_context(viewport={"width": 1366, "height": 900}, locale="id-ID")  # type: ignore[attr-defined]
    page = context.new_page()
    requests: list[str] = []
    problems: list[str] = []
    page.on("request", lambda req: requests.append(req.url))
    page.on("pageerror", lambda err: problems.append(str(err)))
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)

    browser_log_in(page, base_url)
    page.goto(f"{base_url}/")
    assert page.locator("h1").inner_text() == "Ringkasan pabrik"
    assert page.locator(".machine .state-badge").first.inner_text().strip()
    with page.expect_request(lambda req: "/partials/overview" in req.url, timeout=12_000):
        pass
    page.screenshot(path=str(tmp_path / "overview-id.png"), full_page=True)

    page.locator('.machine h3 a[href="/machines/imm-01"]').click()
    page.wait_for_url(f"{base_url}/machines/imm-01")
    page.wait_for_selector("html[data-charts=ready]", timeout=15_000)
    canvas = page.locator('[data-chart="timeline"] canvas').first
    box = canvas.bounding_box()
    assert box is not None
    assert box["width"] > 100
    assert box["height"] > 50
    assert page.locator("[data-chart] canvas").count() >= 4
    page.screenshot(path=str(tmp_path / "machine-id.png"), full_page=True)

    page.locator('.lang a[hreflang="en"]').click()
    page.wait_for_selector('html[lang="en"][data-charts=ready]', timeout=15_000)
    assert page.locator(".tabs a[aria-current=page]").inner_text() == "This shift"
    page.locator('.tabs a:has-text("7 days")').click()
    page.wait_for_selector('html[lang="en"][data-charts=ready]', timeout=15_000)
    assert "window=7d" in page.url
    page.screenshot(path=str(tmp_path / "machine-en-7d.png"), full_page=True)

    page.goto(f"{base_url}/")
    assert page.locator("h1").inner_text() == "Plant overview"

    phone = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)  # type: ignore[attr-defined]
    phone_page = phone.new_page()
    browser_log_in(phone_page, base_url)
    phone_page.goto(f"{base_url}/admin/dead-letters")
    assert phone_page.locator("h1").inner_text() == "Data ditolak"
    phone_page.goto(f"{base_url}/machines/imm-01?window=day")
    phone_page.wait_for_selector("html[data-charts=ready]", timeout=15_000)
    phone_page.screenshot(path=str(tmp_path / "machine-phone.png"), full_page=True)
    phone.close()
    context.close()

    foreign = [url for url in requests if not url.startswith(base_url)]
    assert not foreign, f"requests left the server: {foreign}"
    assert not problems, problems
