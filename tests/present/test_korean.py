"""Korean (ko) beside Indonesian and English: complete catalogues, formatting, pages and PDFs."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from pabrik.present.formatting import Formatter
from pabrik.present.i18n import LOCALES, Catalogues
from pabrik.present.pdf import (
    ExternalResourceError,
    font_css,
    font_dir,
    has_hangul,
    html_to_pdf,
)
from tests.paths import SOURCE

LOCALE_DIR = SOURCE / "locales"
DOMAINS = sorted(
    {p.stem for loc in LOCALES for p in (LOCALE_DIR / loc / "LC_MESSAGES").glob("*.po")}
)
PLACEHOLDER = re.compile(r"%\([a-z_]+\)s|\{[a-z_]+\}")
HANGUL = re.compile(r"[\uac00-\ud7a3]")


def _catalogue(locale: str, domain: str) -> Catalog | None:
    path = LOCALE_DIR / locale / "LC_MESSAGES" / f"{domain}.po"
    if not path.is_file():
        return None
    with path.open("rb") as fh:
        return read_po(fh, locale=locale)


def _texts(cat: Catalog | None) -> dict[str, tuple[str, ...]]:
    """Each message's key (the singular id) and its text or plural texts."""
    if cat is None:
        return {}
    out: dict[str, tuple[str, ...]] = {}
    for m in cat:
        if not m.id:
            continue
        key = m.id if isinstance(m.id, str) else m.id[0]
        out[key] = (m.string,) if isinstance(m.string, str) else tuple(m.string or ())
    return out


def test_the_three_languages_are_offered() -> None:
    assert LOCALES == ("id", "en", "ko")
    assert {"accounts", "assessment", "kpi", "messages"} <= set(DOMAINS)


@pytest.mark.parametrize("domain", DOMAINS)
def test_every_message_of_a_domain_is_worded_in_all_three_languages(domain: str) -> None:
    texts = {loc: _texts(_catalogue(loc, domain)) for loc in LOCALES}
    keys = set().union(*(t.keys() for t in texts.values()))
    missing = [
        f"{loc}: {key}"
        for loc in LOCALES
        for key in sorted(keys)
        if not texts[loc].get(key) or not all(texts[loc][key])
    ]
    assert not missing, f"{domain}.po lacks (or leaves empty):\n" + "\n".join(missing)


@pytest.mark.parametrize("domain", DOMAINS)
def test_korean_keeps_every_placeholder(domain: str) -> None:
    en, ko = _texts(_catalogue("en", domain)), _texts(_catalogue("ko", domain))
    wrong = [
        f"{key}: {sorted(want)} vs {sorted(got)}"
        for key, texts in en.items()
        if key in ko
        and (want := set(PLACEHOLDER.findall(texts[-1])))
        != (got := set(PLACEHOLDER.findall(ko[key][-1])))
    ]
    assert not wrong, "\n".join(wrong)


# Texts that stay as they are in Korean: the languages' own names, "API", the sample label.
NOT_TRANSLATED = {"lang.en", "lang.id", "nav.api", "partners.sample"}


def test_no_korean_message_is_left_in_another_language() -> None:
    untranslated = [
        f"{path.stem}: {key} = {texts[0]!r}"
        for path in sorted((LOCALE_DIR / "ko" / "LC_MESSAGES").glob("*.po"))
        for key, texts in _texts(_catalogue("ko", path.stem)).items()
        if key not in NOT_TRANSLATED
        and re.search("[A-Za-z]{2}", PLACEHOLDER.sub("", texts[0]))
        and not HANGUL.search(texts[0])
    ]
    assert not untranslated, "\n".join(untranslated)


def test_korean_messages_are_korean() -> None:
    ko = Catalogues.load().get("ko")
    assert ko.gettext("overview.title") == "공장 개요"
    assert ko.gettext("term.kpi.availability") == "시간가동률"
    assert ko.gettext("lang.ko") == "한국어"
    assert ko.ngettext("dead_letters.total", "dead_letters.total_plural", 3) == (
        "거부된 레코드 %(num)s건 보관 중"
    )


def test_numbers_dates_and_durations_follow_korean() -> None:
    fmt = Formatter(Catalogues.load().get("ko"), "Asia/Jakarta")
    assert fmt.number(12345) == "12,345"
    assert fmt.date_time(datetime(2025, 1, 6, 23, 30, tzinfo=UTC)) == "2025년 1월 7일 06:30"
    assert fmt.duration(65 * 60_000) == "1시간 05분"


def _pdf_text_and_fonts(pdf: bytes, tmp_path: Path) -> tuple[str, str]:
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils is not installed")
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True).stdout
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True).stdout
    return text.decode(), fonts.decode()


def test_the_vendored_font_is_there_with_its_licence() -> None:
    folder = font_dir()
    assert (folder / "OFL.txt").read_text(encoding="utf-8").count("SIL OPEN FONT LICENSE") >= 1
    assert (folder / "NotoSansKR-Regular.woff").stat().st_size > 100_000
    assert font_css().count("@font-face") == 2


def test_a_pdf_loads_nothing_but_the_vendored_font() -> None:
    from weasyprint.urls import FatalURLFetchingError  # type: ignore[import-untyped]

    with pytest.raises(FatalURLFetchingError) as refused:
        html_to_pdf('<p>한국어</p><img src="http://127.0.0.1:9/x.png">')
    assert isinstance(refused.value.__cause__, ExternalResourceError)


def test_only_a_report_with_hangul_loads_the_font() -> None:
    assert has_hangul("Tingkat 기초")
    assert not has_hangul("Tingkat dasar, 1.000 poin")


@pytest.mark.anyio
async def test_the_korean_questionnaire_pdf_embeds_the_font_and_shows_hangul(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    r = await client.get("/assess/questionnaire.pdf?model=korea-sf&lang=ko")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/pdf"
    text, fonts = _pdf_text_and_fonts(r.content, tmp_path)
    assert "평가 설문지" in text
    assert "기초" in text  # the Korean level in its own words
    # pdftotext reads Hangul even from missing glyphs: the embedded font proves they are drawn.
    assert "Noto-Sans-KR" in fonts


@pytest.mark.anyio
async def test_the_indonesian_pdf_shows_the_korean_level_beside_its_own(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    r = await client.get("/assess/questionnaire.pdf?model=korea-sf&lang=id")
    text, fonts = _pdf_text_and_fonts(r.content, tmp_path)
    assert "Dasar (기초)" in text
    assert "Noto-Sans-KR" in fonts


PAGES = [
    "/",
    "/kpi/losses",
    "/kpi/costs",
    "/kpi/quality-losses",
    "/assess",
    "/admin/dead-letters",
    "/admin/users",
    "/account",
    "/programme",
    "/partners",
]


@pytest.mark.anyio
@pytest.mark.parametrize("path", PAGES)
async def test_pages_speak_korean_and_offer_three_languages(
    client: httpx.AsyncClient, path: str
) -> None:
    r = await client.get(f"{path}?lang=ko")
    assert r.status_code == 200, path
    assert '<html lang="ko">' in r.text
    assert 'lang="ko" aria-current="true">한국어</a>' in r.text
    for code, name in (("id", "Bahasa Indonesia"), ("en", "English")):
        assert f'hreflang="{code}" lang="{code}">{name}</a>' in r.text
    assert len(HANGUL.findall(r.text)) > 20


@pytest.mark.anyio
async def test_the_choice_of_korean_is_remembered(client: httpx.AsyncClient) -> None:
    r = await client.get("/?lang=ko")
    assert "pabrik_lang=ko" in r.headers["set-cookie"]
    client.cookies.set("pabrik_lang", "ko")
    again = await client.get("/kpi/shift-report")
    assert '<html lang="ko">' in again.text
    assert "교대조 보고서" in again.text


@pytest.mark.anyio
async def test_the_dashboard_falls_back_to_the_vendored_font_for_hangul(
    client: httpx.AsyncClient,
) -> None:
    css = (await client.get("/static/pabrik.css")).text
    assert 'url("vendor/noto-sans-kr/NotoSansKR-Regular.woff")' in css
    assert '"Noto Sans KR", sans-serif;' in css
    font = await client.get("/static/vendor/noto-sans-kr/NotoSansKR-Regular.woff")
    assert font.status_code == 200
    assert font.content[:4] == b"wOFF"
