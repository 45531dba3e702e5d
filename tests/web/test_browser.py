"""A real Chromium journey through the dashboard, served by uvicorn on a free port."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from pabrik.runtime.accounts import Accounts
from pabrik.runtime.app import Runtime
from pabrik.runtime.settings import Settings
from pabrik.web.app import create_app
from tests.web.conftest import browser_log_in

pytestmark = pytest.mark.browser

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path() -> str:
    path = shutil.which("chromium")
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is not installed; CI must run the browser journey")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return path


@pytest.fixture(scope="module")
def base_url(settings: Settings, runtime: Runtime, accounts: Accounts) -> Iterator[str]:
    app = create_app(settings, runtime, live=True)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive(), "uvicorn stopped while starting"
        assert time.monotonic() < deadline, "uvicorn did not start in time"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=20)
    sock.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    executable = chromium_path()
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def test_a_manager_follows_a_machine_and_switches_language(
    browser: object, base_url: str, tmp_path: Path
) -> None:
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="id-ID")  # type: ignore[attr-defined]
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

    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)  # type: ignore[attr-defined]
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
