"""The glossary (data/glossary.yaml): one wording per term and language, and words to avoid."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Final, Literal, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from pabrik.model.errors import ConfigError, ConfigIssue

SOURCE: Final = "glossary.yaml"
MSGID_PREFIX: Final = "term."
KINDS: Final = ("kpi", "loss", "state", "time", "unit", "window")
FALLBACK: Final = ("en", "id")
Language = Literal["id", "en", "ko"]
LANGUAGES: Final = get_args(Language)
_KEY = re.compile(r"^[a-z0-9_]+$")


class Term(BaseModel):
    """One concept's text in each language, and the synonyms it replaces."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1, description="Indonesian")
    en: str = Field(min_length=1, description="English")
    ko: str | None = Field(default=None, min_length=1, description="Korean")
    avoid: dict[Language, tuple[str, ...]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _avoid_is_not_the_term(self) -> Term:
        for lang, words in self.avoid.items():
            own = (self.text(lang) or "").casefold()
            clash = [w for w in words if not w.strip() or w.casefold() == own]
            if clash:
                raise ValueError(f"avoid.{lang} lists the term's own text or a blank: {clash}")
        return self

    def text(self, lang: str) -> str | None:
        """The text in ``lang``, or None when the language has none."""
        value = getattr(self, lang, None) if lang in LANGUAGES else None
        return value if isinstance(value, str) else None


class GlossaryFile(BaseModel):
    """The file's shape: a version and one table of terms per kind."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: Literal[1]
    kpi: dict[str, Term] = Field(default_factory=dict)
    loss: dict[str, Term] = Field(default_factory=dict)
    state: dict[str, Term] = Field(default_factory=dict)
    time: dict[str, Term] = Field(default_factory=dict)
    unit: dict[str, Term] = Field(default_factory=dict)
    window: dict[str, Term] = Field(default_factory=dict)

    def terms(self) -> Iterator[tuple[str, Term]]:
        """Every term with its id ``<kind>.<key>``."""
        for kind in KINDS:
            table: dict[str, Term] = getattr(self, kind)
            for key, term in table.items():
                yield f"{kind}.{key}", term


@dataclass(frozen=True, slots=True)
class Avoided:
    """A synonym that must not be shown, and the term to show instead."""

    word: str
    term_id: str
    pattern: re.Pattern[str]


@dataclass(frozen=True, slots=True)
class Glossary:
    """Every term by id (``kpi.performance``), with lookups by language."""

    version: int
    terms: dict[str, Term]

    def text(self, term_id: str, lang: str) -> str:
        """A term's text in ``lang``, else in English, else in Indonesian."""
        term = self.terms[term_id]
        for candidate in (lang, *FALLBACK):
            found = term.text(candidate)
            if found is not None:
                return found
        raise AssertionError("id and en are required")  # pragma: no cover

    def messages(self, lang: str) -> dict[str, str]:
        """The catalogue messages of one language: ``term.<id>`` to the term's text."""
        return {msgid(term_id): self.text(term_id, lang) for term_id in self.terms}

    def avoided(self, lang: str) -> list[Avoided]:
        """Every synonym to avoid in ``lang``, each as a whole-word, case-blind pattern."""
        return [
            Avoided(word, term_id, _word_pattern(word))
            for term_id, term in self.terms.items()
            for avoid_lang, words in term.avoid.items()
            if avoid_lang == lang
            for word in words
        ]


def msgid(term_id: str) -> str:
    """The catalogue message id of a term (``term.kpi.oee``)."""
    return MSGID_PREFIX + term_id


def _word_pattern(word: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w-]){re.escape(word)}(?![\w-])", re.IGNORECASE)


def _issue(loc: tuple[int | str, ...], msg: str) -> ConfigIssue:
    parts = [str(p) for p in loc]
    if len(parts) < 2 or parts[0] not in KINDS:
        return ConfigIssue(".".join(parts), msg)
    field = ".".join(parts[2:])
    return ConfigIssue(f"term {parts[0]}.{parts[1]}", f"{field}: {msg}" if field else msg)


def _bad_keys(doc: GlossaryFile) -> list[ConfigIssue]:
    return [
        ConfigIssue(f"term {term_id}", "a key is lower-case letters, digits and '_'")
        for term_id, _ in doc.terms()
        if not _KEY.match(term_id.partition(".")[2])
    ]


def _clashes(terms: dict[str, Term]) -> list[ConfigIssue]:
    """A term whose text another term avoids: the two would fight over the word."""
    issues = []
    for term_id, term in terms.items():
        for lang, words in term.avoid.items():
            banned = {w.casefold() for w in words}
            for other_id, other in terms.items():
                text = other.text(lang)
                if other_id != term_id and text is not None and text.casefold() in banned:
                    msg = f"avoids {lang} {text!r}, the text of term {other_id}"
                    issues.append(ConfigIssue(f"term {term_id}", msg))
    return issues


def parse_glossary(text: str, source: str = SOURCE) -> Glossary:
    """A glossary from YAML text; a ConfigError names each bad term and field."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise ConfigError(source, [ConfigIssue("", f"not YAML: {err}")]) from err
    try:
        doc = GlossaryFile.model_validate(raw)
    except ValidationError as err:
        raise ConfigError(source, [_issue(e["loc"], e["msg"]) for e in err.errors()]) from err
    terms = dict(doc.terms())
    issues = _bad_keys(doc) + _clashes(terms)
    if issues:
        raise ConfigError(source, issues)
    return Glossary(doc.version, terms)


@cache
def glossary() -> Glossary:
    """The glossary shipped with pabrik, read once."""
    text = resources.files("pabrik").joinpath("data", SOURCE).read_text(encoding="utf-8")
    return parse_glossary(text)
