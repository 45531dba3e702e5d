"""Figures as surfaces show them, read from page text or from JSON and CSV values.

A page's figures are the elements marked ``data-figure`` (with ``data-scope`` and
``data-window`` on them or on an ancestor), read from their displayed text in the page's
locale: "69,9 %", "202.627", "1 j 54 mnt". Two figures agree to the precision they are shown
with: "69,9 %" agrees with any exact value that rounds to it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from fractions import Fraction
from html.parser import HTMLParser
from typing import Any

from tests.web.kpi.demo import Clock

WINDOWS = ("shift", "day", "7d", "30d")
PERCENTS = ("oee", "availability", "performance", "quality")
COUNTS = ("good", "scrap")
LOSS = ("top-loss", "top-loss-minutes")
WINDOW_START = "window start"
FIGURES = (*PERCENTS, *COUNTS, *LOSS, WINDOW_START)
CUSTOM = "custom"


# -- figures ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Shown:
    """One figure as one surface shows it."""

    text: str
    """What the surface showed, for the failure message."""
    value: Fraction | str | None
    """A ratio (0.699), a count, minutes, or a label or instant as text; None when missing."""
    step: Fraction = Fraction(0)
    """The resolution of what is shown: 0 for exact values, 0.001 for "69,9 %"."""
    reason: str | None = None
    """Why the value is missing, as the surface says it."""


def agree(a: Shown, b: Shown) -> bool:
    """Whether two surfaces show the same figure, to the precision they show it with."""
    if a.value is None or b.value is None:
        return a.value is None and b.value is None
    if isinstance(a.value, str) or isinstance(b.value, str):
        return a.value == b.value
    if a.step == b.step:
        return a.value == b.value
    return abs(a.value - b.value) <= max(a.step, b.step) / 2


_SEPARATORS = {"id": (".", ","), "en": (",", ".")}
_DASHES = ("–", "—", "-")
_HOURS = {"j", "jam", "h", "hr", "hrs", "hour", "hours"}
_MINUTES = {"mnt", "menit", "min", "mins", "minute", "minutes", "m"}


def flat(text: str) -> str:
    return " ".join(text.replace("\xa0", " ").replace("\u202f", " ").split())


def _number(text: str, lang: str) -> tuple[Fraction, int]:
    group, decimal = _SEPARATORS.get(lang, _SEPARATORS["en"])
    whole, _, places = text.replace(group, "").partition(decimal)
    if not (whole.isdigit() and (places.isdigit() or not places)):
        raise ValueError(f"not a number in locale {lang!r}: {text!r}")
    return Fraction(f"{whole}.{places}" if places else whole), len(places)


def _minutes(text: str) -> int:
    words = text.split()
    total, seen = 0, False
    for number, unit in zip(words, [*words[1:], ""], strict=True):
        if not number.isdigit():
            continue
        if unit.casefold() in _HOURS:
            total += 60 * int(number)
        elif unit.casefold() in _MINUTES:
            total += int(number)
        else:
            raise ValueError(f"not a duration: {text!r}")
        seen = True
    if not seen:
        raise ValueError(f"not a duration: {text!r}")
    return total


def read_displayed(figure: str, text: str, titles: Iterable[str], lang: str) -> Shown:
    """A figure from the text a page displays (``69,9 %``, ``202.627``, ``1 j 54 mnt``)."""
    words = flat(text)
    if figure in PERCENTS or figure in COUNTS:
        if not words or words.startswith(_DASHES):
            why = "; ".join(t for t in titles if t) or words.lstrip("".join(_DASHES)).strip()
            return Shown(f"{words} [{why or 'no reason words'}]", None, reason=why or None)
        if figure in COUNTS:
            value, _ = _number(words, lang)
            return Shown(words, value)
        if not words.endswith("%"):
            raise ValueError(f"not a percentage: {words!r}")
        value, places = _number(words.removesuffix("%").strip(), lang)
        return Shown(words, value / 100, Fraction(1, 10**places) / 100)
    if figure == "top-loss-minutes":
        return Shown(words, Fraction(_minutes(words)), Fraction(1))
    if figure == "top-loss":
        return Shown(words, words.casefold())
    raise ValueError(f"unknown data-figure {figure!r}")


def exact_ratio(exact: str | None, value: float | None, reason: str | None) -> Shown:
    """A ratio from JSON or CSV: the exact fraction when given, else the float."""
    if exact:
        f = Fraction(exact)
        return Shown(f"{float(f) * 100:.4f} % (exact {exact})", f)
    if value is not None:
        return Shown(f"{value * 100:.4f} % (float)", Fraction(value), Fraction(1, 10**9))
    return Shown(f"– [{reason or 'no reason given'}]", None, reason=reason)


def exact_count(value: object) -> Shown:
    """A count from JSON or CSV."""
    if value is None or value == "":
        return Shown("– [no value]", None)
    return Shown(str(value), Fraction(int(str(value))))


def instant(value: object) -> Shown:
    """A window bound, compared as a UTC instant."""
    if not value:
        return Shown("– [no value]", None)
    text = str(value).replace("Z", "+00:00")
    utc = datetime.fromisoformat(text).astimezone(UTC).isoformat()
    return Shown(f"{text} (= {utc})", utc)


# -- pages --------------------------------------------------------------------------------

_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
_VOID |= {"track", "wbr"}


@dataclass(slots=True)
class Marked:
    """An element marked with ``data-figure``, its context and its displayed text."""

    figure: str
    scope: str | None
    window: str | None
    parts: list[str] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """Everything the element displays."""
        return "".join(self.parts)


@dataclass(slots=True)
class _Open:
    tag: str
    scope: str | None
    window: str | None
    marked: Marked | None


class FigureParser(HTMLParser):
    """Collects ``data-figure`` elements with inherited ``data-scope`` and ``data-window``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lang = "id"
        self.marked: list[Marked] = []
        self.links: list[str] = []
        self._stack: list[_Open] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "html" and a.get("lang"):
            self.lang = a["lang"].split("-")[0]
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        parent = self._stack[-1] if self._stack else None
        scope = a.get("data-scope", parent.scope if parent else None)
        window = a.get("data-window", parent.window if parent else None)
        if a.get("title"):
            for node in self._stack:
                if node.marked is not None:
                    node.marked.titles.append(a["title"])
        marked = None
        if "data-figure" in a:
            marked = Marked(a["data-figure"], scope, window)
            self.marked.append(marked)
        if tag not in _VOID:
            self._stack.append(_Open(tag, scope, window, marked))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self._stack) - 1, -1, -1):
            if self._stack[i].tag == tag:
                del self._stack[i:]
                return

    def handle_data(self, data: str) -> None:
        for node in self._stack:
            if node.marked is not None:
                node.marked.parts.append(data)


def parse_page(html: str) -> FigureParser:
    """The marked figures and the links of a page."""
    parser = FigureParser()
    parser.feed(html)
    parser.close()
    return parser


# -- what every surface showed ------------------------------------------------------------

Cell = tuple[str, str]
"""(window, scope)."""
MISPLACED: Cell = ("?", "?")
MEASURED_UNTIL = "measured-until"
"""The page element that says a window was measured only up to now."""


@dataclass
class Observations:
    """Every figure every surface showed at one clock, by (window, scope) and figure."""

    clock: Clock
    figures: dict[Cell, dict[str, dict[str, Shown]]] = field(default_factory=dict)
    problems: dict[Cell, list[str]] = field(default_factory=dict)
    bounds: dict[Cell, dict[str, Any]] = field(default_factory=dict)
    """What /api/v1/oee said about each named window (start, end, measured_end)."""

    def add(self, cell: Cell, figure: str, surface: str, shown: Shown) -> None:
        """Record a figure; a second one from the same surface is numbered."""
        row = self.figures.setdefault(cell, {}).setdefault(figure, {})
        label, n = surface, 2
        while label in row:
            label, n = f"{surface} #{n}", n + 1
        row[label] = shown

    def problem(self, cell: Cell, text: str) -> None:
        """Record something that kept a surface from showing its figures."""
        self.problems.setdefault(cell, []).append(text)

    def take_page(
        self,
        surface: str,
        scope: str | None,
        page: FigureParser,
        needs: Mapping[Cell, Iterable[str]],
    ) -> None:
        """Record a page's marked figures; report what it should show and does not.

        A top loss that is not shown counts as "no top loss", so it must agree with the other
        surfaces; any other figure that is not shown is a problem. Figures of a scope other
        than the one asked for (a line's section on the costs page of a machine, a machine's
        row in a line's shift report) are labelled with the scope that was asked for.
        """
        found: set[tuple[Cell, str]] = set()
        for m in page.marked:
            if m.figure not in FIGURES:
                continue  # coverage, period, measured-until, loss-cost: not compared here
            if m.scope is None or m.window not in (*WINDOWS, CUSTOM):
                self.problem(
                    MISPLACED,
                    f"{surface} (scope={scope}): data-figure={m.figure!r} has "
                    f"data-scope={m.scope!r}, data-window={m.window!r}",
                )
                continue
            cell = (m.window, m.scope)
            label = surface if scope in (None, m.scope) else f"{surface} (scope={scope})"
            try:
                shown = read_displayed(m.figure, m.text, m.titles, page.lang)
            except ValueError as err:
                self.problem(cell, f"{label}: cannot read {m.figure}: {err}")
                continue
            self.add(cell, m.figure, label, shown)
            found.add((cell, m.figure))
        for cell, figures in needs.items():
            for figure in figures:
                if (cell, figure) in found:
                    continue
                if figure in LOSS:
                    self.add(cell, figure, surface, Shown("(no top loss shown)", None))
                else:
                    self.problem(cell, f"{surface} shows no {figure} (no data-figure={figure})")

    def report(self, cell: Cell) -> str:
        """The problems and the disagreeing figures of a cell, as a readable table."""
        out = [f"  ! {p}" for p in self.problems.get(cell, [])]
        for figure in FIGURES:
            row = self.figures.get(cell, {}).get(figure, {})
            items = list(row.items())
            if all(agree(a, b) for i, (_, a) in enumerate(items) for _, b in items[i + 1 :]):
                continue
            out.append(f"  {figure} differs:")
            width = max(len(s) for s in row)
            out += [f"      {s:<{width}}  {v.text}" for s, v in items]
        return "\n".join(out)
