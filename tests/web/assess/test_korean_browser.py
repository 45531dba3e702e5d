"""A real Chromium journey in Korean: switch to 한국어, run the Korean profile, get the PDF."""

from __future__ import annotations

import os
import re
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
HANGUL = re.compile(r"[\uac00-\ud7a3]")
SHOTS_ENV = os.environ.get("PABRIK_SCREENSHOTS")


@pytest.fixture(scope="module")
def server(settings: Settings, runtime: Runtime, accounts: Accounts) -> Iterator[str]:
    with served(create_app(settings, runtime)) as url:
        yield url


def poppler(tool: str, path: Path) -> str:
    """The output of a poppler tool (pdftotext, pdffonts) on ``path``."""
    found = shutil.which(tool)
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("poppler-utils must be installed in CI")
        pytest.skip(f"{tool} is not installed")
    return subprocess.run(
        [found, str(path), "-"] if tool == "pdftotext" else [found, str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def fill_every_step(page: object) -> int:
    """Answer each wizard step with its third option (or the first two boxes); the step count."""
    steps = 0
    while True:
        steps += 1
        for box in page.locator("fieldset.question").all():  # type: ignore[attr-defined]
            if box.get_attribute("data-kind") == "multi":
                boxes = box.locator('input[type="checkbox"]:not([data-none="1"])')
                boxes.nth(0).check()
                boxes.nth(1).check()
            else:
                box.locator('input[type="radio"]').nth(2).check()
        button = page.locator('button[value="next"]')  # type: ignore[attr-defined]
        if not button.count():
            page.locator('button[value="review"]').click()  # type: ignore[attr-defined]
            page.wait_for_url("**/review")  # type: ignore[attr-defined]
            return steps
        button.click()
        page.wait_for_url(f"**/step/{steps + 1}")  # type: ignore[attr-defined]


def test_a_korean_partner_runs_the_korean_profile_in_korean(
    chromium: object, server: str, tmp_path: Path
) -> None:
    context = chromium.new_context(  # type: ignore[attr-defined]
        viewport={"width": 1280, "height": 900}, locale="ko-KR", accept_downloads=True
    )
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda err: problems.append(str(err)))
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)

    browser_log_in(page, server)
    page.goto(f"{server}/assess?lang=id")
    switch = page.locator('nav .lang a[hreflang="ko"], .lang a[hreflang="ko"]').first
    assert switch.inner_text() == "한국어"
    assert page.locator(".lang a[hreflang]").count() == 3
    switch.click()
    page.wait_for_url("**lang=ko")
    assert page.locator("h1").inner_text() == "준비도 평가"
    assert page.locator("html").get_attribute("lang") == "ko"

    page.select_option('select[name="model"]', "korea-sf")
    page.fill('input[name="title"]', "크롬 한국어 평가")
    page.click("text=평가 시작")
    page.wait_for_url("**/step/1")
    assert "경영진은 스마트공장을 어떻게 이끌고 점검합니까?" in page.content()
    assert fill_every_step(page) >= 2
    assert "모든 필수 질문에 답했습니다." in page.content()
    page.click("text=제출하고 채점")
    page.wait_for_url("**/results")

    radar = page.locator(".radar svg.radar-svg").first
    box = radar.bounding_box()
    assert box is not None
    assert box["width"] > 300
    assert "리더십 및 전략" in radar.inner_html()
    headline = page.locator(".headline").inner_text()
    assert re.search("기초|중간1|중간2|고도|ICT 미적용", headline), headline

    if SHOTS_ENV:
        Path(SHOTS_ENV).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS_ENV) / "results-ko.png"), full_page=True)
    with page.expect_download() as info:
        page.locator('a[data-download="summary-pdf"]').click()
    pdf = tmp_path / "summary-ko.pdf"
    info.value.save_as(str(pdf))
    if SHOTS_ENV:
        shutil.copy(pdf, Path(SHOTS_ENV) / "summary-ko.pdf")
    text = poppler("pdftotext", pdf)
    assert "인더스트리 4.0 준비도: 경영진 요약" in text
    assert len(HANGUL.findall(text)) > 100
    # pdftotext reads Hangul even from missing glyphs: the embedded font proves they are drawn.
    assert "Noto-Sans-KR" in poppler("pdffonts", pdf)

    page.goto(page.url.replace("/results", "/roadmap"))
    assert "단계별 로드맵" in page.content()
    if SHOTS_ENV:
        page.screenshot(path=str(Path(SHOTS_ENV) / "roadmap-ko.png"), full_page=True)
    assert page.locator("html").get_attribute("lang") == "ko"
    context.close()
    assert not problems, problems
