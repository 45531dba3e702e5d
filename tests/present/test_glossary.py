"""The glossary file: its shape, its errors, and that every coded word has a term."""

from __future__ import annotations

from importlib import resources

import pytest
import yaml

from pabrik.model.errors import ConfigError
from pabrik.model.states import StateClass
from pabrik.present.glossary import KINDS, glossary, msgid, parse_glossary
from pabrik.present.i18n import LOCALES, Catalogues
from pabrik.present.labels import (
    KPI_KEYS,
    LOSS_KEYS,
    STATE_KEYS,
    TIME_KEYS,
    UNIT_KEYS,
    WINDOW_KEYS,
    kpi_label,
    kpi_term,
    lower_first,
)

TERM_MAPS = {
    "KPI_KEYS": KPI_KEYS,
    "LOSS_KEYS": LOSS_KEYS,
    "STATE_KEYS": {s.value: key for s, key in STATE_KEYS.items()},
    "TIME_KEYS": TIME_KEYS,
    "UNIT_KEYS": UNIT_KEYS,
    "WINDOW_KEYS": WINDOW_KEYS,
}
GOOD = """
version: 1
kpi:
  performance:
    id: Kinerja
    en: Performance
    avoid: {id: [performa]}
"""


def _catalogue_kpis() -> list[str]:
    text = resources.files("pabrik").joinpath("data", "kpis.yaml").read_text(encoding="utf-8")
    return [k["id"] for k in yaml.safe_load(text)["kpis"]]


@pytest.mark.parametrize("name", TERM_MAPS)
def test_every_code_in_a_label_map_has_a_glossary_term(name: str) -> None:
    terms = {msgid(t) for t in glossary().terms}
    missing = {code: key for code, key in TERM_MAPS[name].items() if key not in terms}
    assert not missing, f"{name}: {missing}"


def test_every_state_class_has_a_term() -> None:
    assert {s.value for s in StateClass} == {t.rpartition(".")[2] for t in STATE_KEYS.values()}


@pytest.mark.parametrize("code", _catalogue_kpis())
def test_every_kpi_of_the_catalogue_has_a_glossary_term(code: str) -> None:
    assert kpi_term(code) in glossary().terms


def test_the_catalogues_two_names_for_one_concept_share_one_term() -> None:
    assert kpi_term("effectiveness") == kpi_term("performance") == "kpi.performance"
    assert kpi_term("quality_ratio") == kpi_term("quality") == "kpi.quality"


@pytest.mark.parametrize("lang", LOCALES)
def test_every_term_has_a_text_in_each_language(lang: str) -> None:
    g = glossary()
    assert g.version == 1
    assert {t.partition(".")[0] for t in g.terms} == set(KINDS)
    assert all(g.text(t, lang).strip() for t in g.terms)


def test_terms_are_catalogue_messages_in_each_language() -> None:
    cats = Catalogues.load()
    assert cats.get("id").gettext("term.kpi.performance") == "Kinerja"
    assert cats.get("en").gettext("term.kpi.performance") == "Performance"
    assert cats.get("id").gettext("term.unit.hour") == "j"
    assert kpi_label(cats.get("id"), "effectiveness") == "Kinerja"
    assert kpi_label(cats.get("en"), "no_such_kpi") == "no_such_kpi"


def test_a_language_without_a_text_falls_back_to_english() -> None:
    terse = parse_glossary("version: 1\nkpi:\n  good: {id: Baik, en: Good}\n")
    assert terse.text("kpi.good", "ko") == "Good"


def test_every_term_has_its_korean_wording() -> None:
    assert glossary().text("kpi.good", "ko") == "양품"
    assert all(term.ko for term in glossary().terms.values())


def test_the_words_to_avoid_match_whole_words_only() -> None:
    avoided = {a.word: a for a in glossary().avoided("en")}
    reject = avoided["reject"].pattern
    assert reject.search("Reject rate")
    assert not reject.search("Rejected records")
    assert avoided["reject"].term_id == "kpi.scrap"


def test_a_good_file_parses() -> None:
    g = parse_glossary(GOOD)
    assert g.text("kpi.performance", "id") == "Kinerja"
    assert [a.word for a in g.avoided("id")] == ["performa"]


@pytest.mark.parametrize(
    ("text", "names"),
    [
        (GOOD.replace("    en: Performance\n", ""), ["term kpi.performance", "en"]),
        (GOOD.replace("id: Kinerja", "id: ''"), ["term kpi.performance", "id"]),
        (GOOD.replace("avoid: {id: [performa]}", "avoid: {id: [Kinerja]}"), ["own text"]),
        (GOOD.replace("avoid: {id: [performa]}", "avoid: {fr: [x]}"), ["avoid.fr"]),
        (GOOD.replace("    en: Performance\n", "    en: Performance\n    de: Leistung\n"), ["de"]),
        (GOOD.replace("performance:", "Performance:"), ["term kpi.Performance", "lower-case"]),
        (GOOD.replace("version: 1", "version: 2"), ["version"]),
        (GOOD.replace("kpi:", "kpis:"), ["kpis"]),
        (GOOD + "  quality:\n    id: Performa\n    en: Quality\n", ["performa", "kpi.quality"]),
        ("version: [", ["not YAML"]),
    ],
)
def test_a_bad_file_is_refused_with_the_term_named(text: str, names: list[str]) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_glossary(text)
    message = str(caught.value)
    assert all(name.casefold() in message.casefold() for name in names), message


def test_a_term_in_running_text_starts_small_unless_it_is_an_acronym() -> None:
    assert lower_first("Hari ini") == "hari ini"
    assert lower_first("OEE") == "OEE"
    assert lower_first("7 hari") == "7 hari"
