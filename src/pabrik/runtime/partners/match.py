"""Who can help: directory entries matched to a roadmap step or a skills gap, near a company.

An entry matches when it is active, delivers the practice (or teaches one of the topics), and
serves the company's sector and plant size (an empty list serves all). Entries that name the
company's province come first ("near you"), then those that serve every province; an entry
limited to other provinces is left out. Within each, an entry in the reader's language wins.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pabrik.runtime.partners.entries import Entry

LIMIT = 3


@dataclass(frozen=True, slots=True)
class CompanyFacts:
    """What matching uses of a company: its province, KBLI division and size class."""

    province: str | None
    division: str | None
    size: str | None


@dataclass(frozen=True, slots=True)
class Match:
    """A matching entry; ``near`` when it names the company's province."""

    entry: Entry
    near: bool


def _serves(entry: Entry, company: CompanyFacts) -> bool:
    divisions, sizes = entry.tag("kbli"), entry.tag("sizes")
    if divisions and company.division not in divisions:
        return False
    if sizes and company.size not in sizes:
        return False
    provinces = entry.tag("provinces")
    return not provinces or company.province in provinces


def matches(
    entries: Iterable[Entry],
    company: CompanyFacts,
    *,
    practice: str | None = None,
    topics: Sequence[str] = (),
    locale: str = "id",
    limit: int = LIMIT,
) -> list[Match]:
    """The best entries for a practice or for some training topics, nearest first."""
    found: list[Match] = []
    for e in entries:
        if not e.active or not _serves(e, company):
            continue
        delivers = practice is not None and practice in e.tag("practices")
        teaches = bool(set(topics) & set(e.tag("skills")))
        if delivers or teaches:
            found.append(Match(e, company.province in e.tag("provinces")))
    found.sort(key=lambda m: (not m.near, locale not in m.entry.tag("languages"), m.entry.name))
    return found[:limit]
