"""A real Chromium journey: fill the INDI 4.0 wizard in Indonesian, see the radar, get the PDF."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from pabrik.runtime.accounts.service import Accounts
from pabrik.runtime.app import Runtime
from pabrik.runtime.settings import Settings
from pabrik.web.app import create_app
from tests.web.browser import browser_log_in, served

pytestmark = pytest.mark.browser
SHOTS_ENV = os.environ.get("PABRIK_SCREENSHOTS")
SHOTS = Path(SHOTS_ENV) if SHOTS_ENV else None
# Each axis label's text, centre and whether its drawn box lies inside the SVG's viewBox.
RADAR_LABELS = """svg => {
  const view = svg.viewBox.baseVal;
  return Array.from(svg.querySelectorAll("text.axis")).map(t => {
    const b = t.getBBox();
    return {
      text: Array.from(t.querySelectorAll("tspan")).map(s => s.textContent).join(" "),
      x: b.x + b.width / 2,
      inside: b.x >= view.x && b.y >= view.y
        && b.x + b.width <= view.x + view.width && b.y + b.height <= view.y + view.height,
    };
  });
}"""


@pytest.fixture(scope="module")
def server(settings: Settings, runtime: Runtime, accounts: Accounts) -> Iterator[str]:
    with served(create_app(settings, runtime)) as url:
        yield url


def shot(page: object, tmp_path: Path, name: str) -> None:
    folder = SHOTS or tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]


def pdf_text(path: Path) -> tuple[str, int]:
    tool = shutil.which("pdftotext")
    info = shutil.which("pdfinfo")
    if tool is None or info is None:
        if os.environ.get("CI") == "true":
            pytest.fail("poppler-utils (pdftotext) must be installed in CI")
        pytest.skip("pdftotext is not installed")
    text = subprocess.run(
        [tool, "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    meta = subprocess.run([info, str(path)], capture_output=True, text=True, check=True).stdout
    pages = int(next(line for line in meta.splitlines() if line.startswith("Pages:")).split()[1])
    return text, pages


def test_a_manager_fills_the_indi_wizard_in_indonesian_and_downloads_the_pdf(
    chromium: object, server: str, tmp_path: Path
) -> None:
    context = chromium.new_context(  # type: ignore[attr-defined]
        viewport={"width": 1280, "height": 900}, locale="id-ID", accept_downloads=True
    )
    page = context.new_page()
    problems: list[str] = []
    requests: list[str] = []
    page.on("pageerror", lambda err: problems.append(str(err)))
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("request", lambda req: requests.append(req.url))

    browser_log_in(page, server)
    page.goto(f"{server}/assess?lang=id")
    assert page.locator("h1").inner_text() == "Penilaian kesiapan"
    page.fill('input[name="title"]', "Penilaian Chromium")
    page.click("text=Mulai penilaian")
    page.wait_for_url("**/step/1")

    steps = 0
    while True:
        steps += 1
        assert "Langkah" in page.locator(".pillar-title").inner_text()
        for box in page.locator("fieldset.question").all():
            if box.get_attribute("data-kind") == "multi":
                boxes = box.locator('input[type="checkbox"]')
                boxes.nth(0).check()
                boxes.nth(1).check()
                none = box.locator('input[data-none="1"]')
                none.check()
                assert not boxes.nth(0).is_checked(), "none of these must clear the rest"
                boxes.nth(0).check()
                boxes.nth(1).check()
                assert not none.is_checked()
            else:
                box.locator('input[type="radio"]').nth(2).check()
        if steps == 1:
            page.locator("details.evidence summary").first.click()
            page.locator('textarea[name="note.strategy.plan"]').fill("Rencana di SOP-01")
            shot(page, tmp_path, "wizard-step1-id")
        button = page.locator('button[value="next"]')
        if button.count():
            button.click()
            page.wait_for_url(f"**/step/{steps + 1}")
        else:
            page.locator('button[value="review"]').click()
            page.wait_for_url("**/review")
            break
    assert steps == 5
    assert "Semua pertanyaan wajib sudah dijawab." in page.content()
    # The review lists every answer with a link back to its question.
    listed = page.locator("table.review-answers tr[data-question]")
    assert listed.count() == page.locator("table.review-answers a[href*='#q-']").count() > 20
    page.click("text=Kirim dan hitung skor")
    page.wait_for_url("**/results")
    radar = page.locator(".radar svg.radar-svg").first
    box = radar.bounding_box()
    assert box is not None
    assert box["width"] > 300
    assert box["height"] > 200
    # Every axis label is drawn inside the chart (none cut off), clockwise from the top.
    labels = radar.evaluate(RADAR_LABELS)
    assert [label["text"] for label in labels][1] == "Orang dan Budaya"
    assert all(label["inside"] for label in labels), labels
    assert labels[1]["x"] > labels[0]["x"] > labels[4]["x"]
    assert "Kesiapan sedang" in page.locator(".headline").inner_text()
    shot(page, tmp_path, "results-id")

    with page.expect_download() as info:
        page.locator('a[data-download="summary-pdf"]').click()
    pdf = tmp_path / "ringkasan.pdf"
    info.value.save_as(str(pdf))
    text, pages = pdf_text(pdf)
    assert pages == 1
    assert "Ringkasan eksekutif kesiapan Industri 4.0" in text
    assert "Kesiapan sedang" in text
    assert "5 kesenjangan teratas" in text
    assert "indi40@1" in text
    assert "tidak resmi" in text

    page.goto(page.url.replace("/results", "/roadmap"))
    assert "Peta jalan bertahap" in page.content()
    # The consultant moves the second gap up: it is pinned first, and says so in one sentence.
    rows = page.locator("table.gaps tbody tr")
    second = rows.nth(1).get_attribute("data-field")
    rows.nth(1).locator('button[value="up"]').click()
    page.wait_for_url("**/roadmap#gaps")
    first = page.locator("table.gaps tbody tr").first
    assert first.get_attribute("data-field") == second
    assert "ditetapkan oleh konsultan (urutan hitungan 2)" in first.inner_text()
    page.fill('input[name="budget"]', "Rp150juta")
    page.click("text=Susun ulang")
    assert "Rp 150 juta" in page.locator("#plan").inner_text()
    page.fill('input[name="budget"]', "-5")
    page.click("text=Susun ulang")
    assert "Anggaran tidak boleh negatif" in page.locator("#plan-error").inner_text()
    assert page.locator('input[name="budget"]').input_value() == "-5"
    # The refused form comes back as 422, which Chromium logs once; nothing else may fail.
    refused = [p for p in problems if "status of 422" in p]
    assert len(refused) == 1
    problems.remove(refused[0])
    shot(page, tmp_path, "roadmap-id")
    context.close()

    foreign = [url for url in requests if not url.startswith(server)]
    assert not foreign, f"requests left the server: {foreign}"
    assert not problems, problems
