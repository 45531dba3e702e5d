"""A directory entry as data: its kind, origin and tags, checked against the reference lists.

Every tag is a known id: practices and skill topics from the guideline catalogue, KBLI
divisions (data/kbli.yaml), provinces (data/provinces.yaml), languages and plant sizes. An
empty list means "any" (a programme that serves every province lists none).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from pabrik.assessment.catalogue import Catalogue
from pabrik.runtime.programme import reference

# Solution providers, training institutions and support programmes (issue 17).
GROUPS: Mapping[str, tuple[str, ...]] = {
    "provider": ("integrator", "software", "hardware"),
    "training": ("polytechnic", "university", "training_centre"),
    "programme": ("grant", "assessment", "visit"),
}
KINDS = tuple(k for kinds in GROUPS.values() for k in kinds)
ORIGINS = ("id", "kr", "")
LANGUAGES = ("id", "en", "ko")
SIZES = reference.SIZES
TAGS = ("practices", "skills", "kbli", "provinces", "languages", "sizes")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
_EMAIL = re.compile(r"^[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+$")
MAX_TEXT = 2000


@dataclass(frozen=True, slots=True)
class Entry:
    """One directory entry, checked."""

    id: str
    kind: str
    name: str
    origin: str = ""
    description: str = ""
    website: str = ""
    email: str = ""
    tags: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    sample: bool = False
    active: bool = True

    @property
    def group(self) -> str:
        """provider, training or programme."""
        return next(g for g, kinds in GROUPS.items() if self.kind in kinds)

    def tag(self, name: str) -> tuple[str, ...]:
        """One tag list (empty when not given)."""
        return tuple(self.tags.get(name, ()))

    def tags_json(self) -> str:
        """The tags as stored."""
        return json.dumps({k: list(self.tag(k)) for k in TAGS}, ensure_ascii=False)


def split_list(value: object) -> tuple[str, ...]:
    """A list from YAML, or from a cell separated by ';' or '|' or ','."""
    if isinstance(value, (list, tuple)):
        items = [str(v) for v in value]
    else:
        items = re.split(r"[;|,]", str(value or ""))
    return tuple(dict.fromkeys(i.strip() for i in items if i.strip()))


def _known(catalogue: Catalogue) -> dict[str, set[str]]:
    return {
        "practices": {p.id for p in catalogue.practices},
        "skills": set(catalogue.topics),
        "kbli": set(reference.kbli_divisions()),
        "languages": set(LANGUAGES),
        "sizes": set(SIZES),
    }


def _tags(
    data: Mapping[str, object], catalogue: Catalogue, problems: list[str]
) -> dict[str, tuple[str, ...]]:
    known = _known(catalogue)
    tags: dict[str, tuple[str, ...]] = {}
    for name in TAGS:
        items = split_list(data.get(name))
        if name == "provinces":
            items = tuple(_province(p, problems) for p in items)
        elif name == "kbli":
            items = tuple(dict.fromkeys(i[:2] for i in items))
        bad = [i for i in items if name in known and i not in known[name]]
        if bad:
            problems.append(f"{name}: unknown {', '.join(bad[:5])[:120]}")
        tags[name] = tuple(i for i in items if i and i not in bad)
    return tags


def _province(text: str, problems: list[str]) -> str:
    try:
        return reference.province_name(text)
    except Exception:  # noqa: BLE001 - an InvalidRequestError, reported with the others
        problems.append(f"provinces: unknown {text[:40]!r}")
        return ""


def _flag(value: object, default: bool) -> bool:
    text = str(value).strip().lower() if value is not None else ""
    if not text:
        return default
    return text in {"1", "yes", "ya", "true", "y"}


def _text(data: Mapping[str, object], name: str, limit: int = MAX_TEXT) -> str:
    return " ".join(str(data.get(name) or "").split())[:limit]


def parse_entry(data: Mapping[str, object], catalogue: Catalogue) -> tuple[Entry | None, list[str]]:
    """An entry from a mapping (a form, a CSV row or the example file), or every problem."""
    problems: list[str] = []
    ident = _text(data, "id", 64).lower()
    if not _ID.match(ident):
        problems.append("id: lower-case letters, digits and '-' only")
    kind = _text(data, "kind", 40).lower()
    if kind not in KINDS:
        problems.append(f"kind: one of {', '.join(KINDS)}")
    name = _text(data, "name", 200)
    if not name:
        problems.append("name: required")
    origin = _text(data, "origin", 4).lower()
    if origin not in ORIGINS:
        problems.append("origin: id, kr or empty")
    website = _text(data, "website", 300)
    if website and not website.startswith(("https://", "http://")):
        problems.append("website: starts with https://")
    email = _text(data, "email", 200)
    if email and not _EMAIL.match(email):
        problems.append("email: not an e-mail address")
    tags = _tags(data, catalogue, problems)
    if not tags["practices"] and not tags["skills"]:
        problems.append("practices/skills: at least one practice or skill")
    if problems:
        return None, problems
    entry = Entry(
        ident, kind, name, origin, _text(data, "description"), website, email, tags,
        _flag(data.get("sample"), False), _flag(data.get("active"), True),
    )  # fmt: skip
    return entry, []
