"""Message catalogues (Babel .po files) loaded at app creation, and per-request translators."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from io import BytesIO
from typing import Final

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from pabrik.present.glossary import glossary

LOCALES: Final = ("id", "en", "ko")
DEFAULT_LOCALE: Final = "id"
DOMAIN: Final = "messages"


def N_(key: str) -> str:  # noqa: N802 - the conventional name for a no-op marker
    """Mark a message key for extraction without translating it yet."""
    return key


@dataclass(frozen=True, slots=True)
class Translator:
    """Translates stable message keys into one locale's text."""

    locale: str
    translations: Translations

    def gettext(self, key: str) -> str:
        """The text for ``key``, or the key itself when the catalogue lacks it."""
        return self.translations.gettext(key)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """The singular or plural text for ``n``."""
        return self.translations.ngettext(singular, plural, n)


def _compile(po_file: Traversable, locale: str) -> Translations:
    with po_file.open("rb") as fh:
        catalog = read_po(fh, locale=locale, domain=DOMAIN)
    return _translations(catalog)


def _glossary_catalog(locale: str) -> Catalog:
    """The glossary's terms as messages ``term.<kind>.<key>``: their one source of wording."""
    catalog = Catalog(locale=locale, domain=DOMAIN)
    for key, text in glossary().messages(locale).items():
        catalog.add(key, text)
    return catalog


def _translations(catalog: Catalog) -> Translations:
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


def catalogue_files(locale: str) -> list[Traversable]:
    """Every .po file of a locale: ``messages.po`` plus one per feature (``kpi.po``...).

    The glossary's terms (``term.*``) come from data/glossary.yaml, never from a .po file.
    """
    folder = resources.files("pabrik").joinpath("locales", locale, "LC_MESSAGES")
    return sorted((f for f in folder.iterdir() if f.name.endswith(".po")), key=lambda f: f.name)


def _load(locale: str) -> Translations:
    files = catalogue_files(locale)
    merged = _compile(files[0], locale)
    for po_file in files[1:]:
        merged.merge(_compile(po_file, locale))
    merged.merge(_translations(_glossary_catalog(locale)))
    return merged


@dataclass(frozen=True, slots=True)
class Catalogues:
    """All translators, one per supported locale."""

    translators: dict[str, Translator]
    default: str

    @classmethod
    def load(cls, default: str = DEFAULT_LOCALE) -> Catalogues:
        """Read every locale's .po file and compile it in memory."""
        translators = {loc: Translator(loc, _load(loc)) for loc in LOCALES}
        return cls(translators, default if default in translators else DEFAULT_LOCALE)

    def pick(self, *candidates: str | None) -> str:
        """The first candidate that is a supported locale, else the default."""
        return next((c for c in candidates if c in self.translators), self.default)

    def get(self, locale: str) -> Translator:
        """The translator for ``locale`` (the default one when unsupported)."""
        return self.translators.get(locale, self.translators[self.default])
