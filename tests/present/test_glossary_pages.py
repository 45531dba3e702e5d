"""Every KPI and plant page speaks the glossary: no avoided synonym, every marked term exact."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
import yaml
from fastapi import FastAPI

from pabrik.present.glossary import Glossary, glossary
from pabrik.present.i18n import LOCALES
from pabrik.present.labels import WINDOW_KEYS
from tests.paths import DEMO
from tests.present.pagetext import Marked, PageText, flat, read
from tests.web.session import ADMIN_USER, PASSWORD, logged_in


def _machine_ids(site_file: Path) -> list[str]:
    doc = yaml.safe_load(site_file.read_text(encoding="utf-8"))
    return [m["id"] for area in doc["areas"] for line in area["lines"] for m in line["machines"]]


MACHINES = _machine_ids(DEMO)
PATHS = [
    "/",
    *(f"/machines/{m}?window={w}" for m in MACHINES for w in WINDOW_KEYS),
    *(f"/kpi/losses?window={w}" for w in WINDOW_KEYS),
    *(f"/kpi/costs?window={w}" for w in WINDOW_KEYS),
    "/kpi/losses?window=day&scope=imm-01",
    "/kpi/shift-report",
]
Pages = dict[tuple[str, str], PageText]
SNAKE_CODE = re.compile(r"(?<![\w/.-])[a-z0-9]+(?:_[a-z0-9]+)+(?![\w/-])")
"""A code as the runtime names it (``unplanned_stop``, ``machine_h``): never a label."""


@pytest.fixture(scope="module")
def pages(app: FastAPI) -> Pages:
    """Every page of the KPI and plant surfaces in each language, read once."""

    async def fetch() -> Pages:
        out: Pages = {}
        async with logged_in(app, ADMIN_USER, PASSWORD) as client:
            for lang in LOCALES:
                for path in PATHS:
                    sep = "&" if "?" in path else "?"
                    r = await client.get(f"{path}{sep}lang={lang}")
                    assert r.status_code == 200, f"{path} ({lang}): {r.status_code}"
                    out[(lang, path)] = read(r.text)
        return out

    return asyncio.run(fetch())


def _shown(g: Glossary, lang: str, marked: Marked) -> str | None:
    """What is wrong with a marked element, or None when it shows its terms as they are."""
    text = flat(marked.text)
    unknown = [t for t in marked.terms if t not in g.terms]
    if unknown:
        return f"{marked.html} names no glossary term {unknown}"
    if marked.exact:
        want = g.text(marked.terms[0], lang)
        return None if text == want else f"{marked.html} shows {text!r}, glossary {want!r}"
    missing = [
        g.text(t, lang) for t in marked.terms if g.text(t, lang).casefold() not in text.casefold()
    ]
    return f"{marked.html} shows {text!r} without {missing}" if missing else None


@pytest.mark.parametrize("lang", LOCALES)
def test_no_page_shows_a_synonym_the_glossary_avoids(pages: Pages, lang: str) -> None:
    avoided = glossary().avoided(lang)
    assert avoided, "the glossary names synonyms to avoid"
    found = []
    for path in PATHS:
        text = flat(" ".join(pages[(lang, path)].visible))
        for a in avoided:
            match = a.pattern.search(text)
            if match:
                around = text[max(0, match.start() - 40) : match.end() + 40]
                found.append(f"{path}: {a.word!r} (say {a.term_id}) in …{around}…")
    assert not found, "\n".join(found)


@pytest.mark.parametrize("lang", LOCALES)
def test_every_marked_term_shows_the_glossarys_text(pages: Pages, lang: str) -> None:
    g = glossary()
    wrong = [
        f"{path}: {problem}"
        for path in PATHS
        for marked in pages[(lang, path)].marked
        if (problem := _shown(g, lang, marked)) is not None
    ]
    assert not wrong, "\n".join(wrong)


def test_the_pages_mark_their_kpi_loss_state_unit_and_window_words(pages: Pages) -> None:
    marked = {t for page in pages.values() for m in page.marked for t in m.terms}
    expected = {
        "kpi.oee",
        "kpi.availability",
        "kpi.performance",
        "kpi.quality",
        "kpi.good",
        "kpi.scrap",
        "kpi.top_loss",
        "loss.equipment_failure",
        "loss.reduced_speed",
        "state.running",
        "time.planned_busy",
        "unit.machine_hour",
        *(f"window.{w}" for w in WINDOW_KEYS),
    }
    assert expected <= marked, sorted(expected - marked)


@pytest.mark.parametrize("lang", LOCALES)
def test_no_page_shows_a_raw_code_as_a_label(pages: Pages, lang: str) -> None:
    found = {
        f"{path}: {code}"
        for path in PATHS
        for code in SNAKE_CODE.findall(flat(" ".join(pages[(lang, path)].visible)))
    }
    assert not found, "\n".join(sorted(found))


def test_every_page_marks_some_terms(pages: Pages) -> None:
    bare = [f"{path} ({lang})" for (lang, path), page in pages.items() if not page.marked]
    assert not bare
