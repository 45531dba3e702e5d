"""A tablet loses the server: 20 entries wait in IndexedDB, survive a reload, and are stored
exactly once when the network is back (real Chromium, service worker, uvicorn)."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from pabrik.runtime.accounts.service import Accounts
from pabrik.runtime.app import Runtime, build_runtime
from pabrik.runtime.settings import Settings
from pabrik.web.app import create_app
from tests.web.browser import browser_log_in, served
from tests.web.demo_app import NOW

pytestmark = pytest.mark.browser
M = '[data-testid="machine-imm-03"]'


@pytest.fixture(scope="module")
def runtime(settings: Settings) -> Iterator[Runtime]:
    """The demo plant with no connector data: imm-03 is run from the terminal alone.

    Its clock runs from NOW, so what the tablet stamps is measured in the shift report.
    """
    began = time.monotonic()
    rt = build_runtime(settings, clock=lambda: NOW + timedelta(seconds=time.monotonic() - began))
    yield rt
    rt.close()


@pytest.fixture(scope="module")
def base_url(settings: Settings, runtime: Runtime, accounts: Accounts) -> Iterator[str]:
    with served(create_app(settings, runtime)) as url:
        yield url


TAPS: list[str] = []


def _tap(page: object, selector: str) -> None:
    """One deliberate tap: longer after the previous one than a double tap."""
    TAPS.append(selector)
    page.wait_for_timeout(300)  # type: ignore[attr-defined]
    page.locator(f"{M} {selector}").click()  # type: ignore[attr-defined]


SMALLEST = """() => Math.min(...Array.from(document.querySelectorAll('main button, main select'))
    .map((b) => b.getBoundingClientRect()).filter((r) => r.width > 0)
    .map((r) => Math.min(r.width, r.height)))"""


def _smallest_target(page: object) -> float:
    """The smallest side of any visible button or list on the page, in CSS pixels."""
    return float(page.evaluate(SMALLEST))  # type: ignore[attr-defined]


def _pdf(path: Path) -> tuple[int, str]:
    """The page count (pdfinfo) and the text (pdftotext) of a PDF."""
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils is not installed (apt-get install poppler-utils)")
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True, text=True)
    pages = next(ln for ln in info.stdout.splitlines() if ln.startswith("Pages:"))
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True)
    return int(pages.split()[1]), text.stdout.decode("utf-8")


def _stop(page: object, opener: str, choice: str) -> None:
    """Two taps: the kind of stop, then its reason (or product)."""
    _tap(page, f'button[data-open^="{opener}-"]')
    _tap(page, choice)


def test_twenty_entries_made_offline_are_stored_once_when_back(
    chromium: object, base_url: str, runtime: Runtime, tmp_path: Path
) -> None:
    context = chromium.new_context(viewport={"width": 800, "height": 1280}, locale="id-ID")  # type: ignore[attr-defined]
    page = context.new_page()
    browser_log_in(page, base_url)
    page.goto(f"{base_url}/terminal/machines/imm-03")
    page.wait_for_selector("html[data-offline-ready='1']", timeout=15_000)
    page.wait_for_selector("html[data-queue='0']")
    assert _smallest_target(page) >= 48
    page.screenshot(path=str(tmp_path / "terminal-online.png"), full_page=True)
    context.set_offline(True)

    page.locator(f'{M} button[data-count="good"][data-n="10"]').dblclick()
    page.wait_for_selector("html[data-queue='1']")  # a double tap counts once
    _tap(page, 'button[data-state="running"]')
    for _ in range(4):
        _tap(page, 'button[data-count="good"][data-n="1"]')
    before = len(TAPS)
    _stop(page, "stop", 'button[data-reason="jam"]')
    assert len(TAPS) - before == 2, "a stop with its reason takes two taps"
    _tap(page, 'button[data-state="running"]')
    for _ in range(5):
        _tap(page, 'button[data-count="good"][data-n="10"]')
    page.wait_for_selector("html[data-queue='13']")
    page.reload()  # from the service worker's cache: the server is still unreachable
    page.wait_for_selector("html[data-queue='13']")
    _tap(page, 'button[data-count="scrap"][data-n="1"]')
    _stop(page, "change", 'button[data-product="preform-32g"]')
    _tap(page, 'button[data-state="running"]')
    _stop(page, "planned", 'button[data-reason="break"]')
    _tap(page, 'button[data-state="running"]')
    _tap(page, 'button[data-count="good"][data-n="1"]')
    page.locator(f'{M} form[data-total="good"] input').fill("200")
    page.locator(f'{M} form[data-total="good"] button').click()
    page.wait_for_selector("html[data-queue='20']")
    assert page.locator("[data-queue-count]").inner_text() == "20"
    assert page.locator("[data-offline]").is_visible()
    page.screenshot(path=str(tmp_path / "terminal-offline.png"), full_page=True)

    context.set_offline(False)
    page.wait_for_selector("html[data-queue='0']", timeout=20_000)

    # The supervisor corrects the typed total (the newest count) from the corrections page.
    page.goto(f"{base_url}/terminal/corrections/imm-03")
    newest = page.locator('tr[data-testid^="count-"]').first
    newest.locator('input[name="good"]').fill("130")
    with page.expect_navigation():
        newest.locator('button[type="submit"]').click()

    # The shift report, picked on the tablet, prints the corrected shift on one A4 page.
    page.goto(f"{base_url}/kpi/shift-report")
    pickers = page.locator('[data-testid="report-pickers"]')
    pickers.locator('input[name="day"]').fill("2025-03-11")
    pickers.locator('select[name="shift"]').select_option("pagi")
    pickers.locator('select[name="scope"]').select_option("cetak-preform-krat")
    with page.expect_navigation():
        pickers.locator('button[type="submit"]').click()
    assert page.evaluate("document.documentElement.scrollWidth") <= 800
    pdf_url = page.locator('[data-testid="report-pdf"]').get_attribute("href")
    pdf = page.request.get(f"{base_url}{pdf_url}")
    assert pdf.ok
    (tmp_path / "shift.pdf").write_bytes(pdf.body())
    pages, text = _pdf(tmp_path / "shift.pdf")
    assert pages == 1, "the shift report with its signatures fits one page"
    assert "Mesin Injeksi 3" in text
    assert re.search(r"Mesin Injeksi 3 \(preform\)\s+\S+\s+195\s+1\b", text), text
    context.close()

    phone = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)  # type: ignore[attr-defined]
    small = phone.new_page()
    browser_log_in(small, base_url)
    small.goto(f"{base_url}/terminal/lines/cetak-tutup")
    assert _smallest_target(small) >= 48
    assert small.evaluate("document.documentElement.scrollWidth") <= 390
    small.screenshot(path=str(tmp_path / "terminal-line-phone.png"), full_page=True)
    phone.close()

    start, end = NOW - timedelta(hours=1), NOW + timedelta(hours=1)
    states = [
        s for s in runtime.store.states("imm-03", start, end) if s.source.startswith("manual:")
    ]
    counts = runtime.store.counts("imm-03", start, end)
    assert len(states) + len(counts) == 20
    assert [s.state.value for s in states] == [
        "running",
        "unplanned_stop",
        "running",
        "changeover",
        "running",
        "planned_stop",
        "running",
    ]
    assert states[1].reason == "jam"
    assert states[3].product_id == "preform-32g"
    assert sum(c.good for c in counts) == 200 - 5  # the total added 135; corrected to 130
    assert sum(c.scrap for c in counts) == 1
