from __future__ import annotations

from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

from pabrik.present.formatting import Formatter
from pabrik.present.glossary import MSGID_PREFIX, glossary
from pabrik.present.i18n import LOCALES, Catalogues
from pabrik.runtime.kpi.views import Ratio

SRC = Path(__file__).resolve().parents[2] / "src" / "pabrik"
DELIVERY = (SRC / "web", SRC / "present")
METHOD_MAP = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None}


def used_messages() -> set[str]:
    found: set[str] = set()
    for folder in DELIVERY:
        for _, _, message, _, _ in extract_from_dir(str(folder), METHOD_MAP, keywords=KEYWORDS):
            found.update([message] if isinstance(message, str) else message)
    return found


def catalogues(locale: str) -> list[Catalog]:
    folder = SRC / "locales" / locale / "LC_MESSAGES"
    found = []
    for path in sorted(folder.glob("*.po")):
        with path.open("rb") as fh:
            found.append(read_po(fh, locale=locale))
    return found


def catalogue(locale: str) -> Catalog:
    """All of a locale's .po files and the glossary's terms merged into one catalogue."""
    merged = Catalog(locale=locale)
    for cat in catalogues(locale):
        for msg in cat:
            if msg.id:
                merged[msg.id] = msg
    for key, text in glossary().messages(locale).items():
        merged.add(key, text)
    return merged


def ids(cat: Catalog) -> set[str]:
    out: set[str] = set()
    for msg in cat:
        if msg.id:
            out.update([msg.id] if isinstance(msg.id, str) else msg.id)
    return out


def test_extraction_finds_the_messages_of_templates_and_python() -> None:
    used = used_messages()
    assert "overview.title" in used
    assert "term.state.unplanned_stop" in used
    assert "error.not_found" in used
    assert len(used) > 100


@pytest.mark.parametrize("locale", LOCALES)
def test_every_message_used_is_in_the_catalogue(locale: str) -> None:
    missing = used_messages() - ids(catalogue(locale))
    assert not missing, f"missing from {locale}: {sorted(missing)}"


@pytest.mark.parametrize("locale", LOCALES)
def test_every_message_is_translated(locale: str) -> None:
    empty = [m.id for m in catalogue(locale) if m.id and not m.string]
    assert not empty


@pytest.mark.parametrize("locale", LOCALES)
def test_no_po_file_words_a_glossary_term(locale: str) -> None:
    worded = [m.id for cat in catalogues(locale) for m in cat if str(m.id).startswith(MSGID_PREFIX)]
    assert not worded, f"glossary terms belong in data/glossary.yaml: {worded}"


# Families looked up only by literal keys; others (acct.size.*...) are also built from codes.
LITERAL_FAMILIES = ("kpi.", "overview.", "machine.", "unit.", "chart.", "phrase.", "window.")


@pytest.mark.parametrize("locale", LOCALES)
def test_every_message_of_the_kpi_and_plant_pages_is_used(locale: str) -> None:
    used = used_messages()
    po_keys = {str(m.id) for cat in catalogues(locale) for m in cat if m.id}
    unused = sorted(k for k in po_keys if k.startswith(LITERAL_FAMILIES) and k not in used)
    assert not unused


def test_both_catalogues_have_the_same_keys() -> None:
    assert ids(catalogue("id")) == ids(catalogue("en"))


@pytest.mark.parametrize("locale", LOCALES)
def test_catalogues_pass_babels_checks(locale: str) -> None:
    problems = [(m.id, errs) for m, errs in catalogue(locale).check() if errs]
    assert not problems


def test_catalogues_load_and_translate() -> None:
    cats = Catalogues.load()
    assert cats.get("id").gettext("overview.title") == "Ringkasan pabrik"
    assert cats.get("en").gettext("overview.title") == "Plant overview"
    assert cats.get("fr").locale == "id"
    assert cats.pick("fr", None, "en") == "en"
    assert cats.pick() == "id"
    assert cats.get("en").ngettext("dead_letters.total", "dead_letters.total_plural", 2) == (
        "%(num)s rejected records kept"
    )


def formatter(locale: str) -> Formatter:
    return Formatter(Catalogues.load().get(locale), "Asia/Jakarta")


def test_percentages_follow_the_locale() -> None:
    ratio = Ratio(Fraction(748, 1000))
    assert str(formatter("id").ratio(ratio)) == "74,8\u00a0%"
    assert str(formatter("en").ratio(ratio)) == "74.8%"


def test_a_missing_ratio_is_a_dash_with_the_reason_as_tooltip() -> None:
    html = str(formatter("id").ratio(Ratio(None, "no_units_produced")))
    assert html == '<span class="na" title="Belum ada unit diproduksi">–</span>'
    unknown = str(formatter("en").ratio(Ratio(None, "<new_reason>")))
    assert "&lt;new_reason&gt;" in unknown


def test_times_are_shown_in_the_plant_zone() -> None:
    ts = datetime(2025, 1, 6, 23, 30, tzinfo=UTC)
    fmt = formatter("id")
    assert fmt.time(ts) == "06.30"
    assert fmt.since(ts, ts) == "06.30"
    assert fmt.since(ts, datetime(2025, 1, 8, tzinfo=UTC)) == "7 Jan 06.30"
    assert fmt.date_time(ts) == "7 Jan 2025 06.30"
    assert fmt.since(None, ts) == "–"
    assert formatter("en").date_time(ts) == "Jan 7, 2025 06:30"


def test_numbers_and_durations_follow_the_locale() -> None:
    assert formatter("id").number(12345) == "12.345"
    assert formatter("en").number(12345) == "12,345"
    assert formatter("id").duration(83 * 60_000) == "1 j 23 mnt"
    assert formatter("id").duration(60 * 60_000) == "1 j 00 mnt"
    assert formatter("en").duration(65 * 60_000) == "1 h 05 min"
    assert formatter("en").duration(9 * 60_000) == "9 min"
