"""What a person reads on a page: its visible text, and the elements marked as glossary terms."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
HIDDEN = {"script", "style", "template"}
PLACEHOLDER = re.compile(r"%\(\w+\)s")
"""A slot a script fills (``%(h)s j %(m)s mnt``): not a word anyone reads."""
SPOKEN = ("title", "aria-label", "alt", "placeholder")
"""Attributes whose values people see (tooltips) or hear (screen readers)."""


def flat(text: str) -> str:
    """Text with every run of white space (non-breaking too) as one space."""
    return " ".join(text.replace("\xa0", " ").replace("\u202f", " ").split())


@dataclass
class Marked:
    """An element that claims to show glossary terms, with the text it shows."""

    terms: tuple[str, ...]
    exact: bool
    """One term shown exactly (``data-term``), or terms inside running text (``data-terms``)."""
    text: str = ""
    html: str = ""


@dataclass
class _Open:
    tag: str
    marked: Marked | None


@dataclass
class PageText(HTMLParser):
    """Parses one page; read ``visible`` and ``marked`` afterwards."""

    visible: list[str] = field(default_factory=list)
    marked: list[Marked] = field(default_factory=list)
    _stack: list[_Open] = field(default_factory=list)
    _hidden: int = 0
    _json: bool = False

    def __post_init__(self) -> None:
        super().__init__(convert_charrefs=True)

    @staticmethod
    def _marking(attrs: dict[str, str | None]) -> Marked | None:
        if attrs.get("data-term"):
            return Marked((str(attrs["data-term"]),), exact=True)
        if attrs.get("data-terms"):
            return Marked(tuple(str(attrs["data-terms"]).split()), exact=False)
        classes = (attrs.get("class") or "").split()
        states = [c.removeprefix("state-") for c in classes if c.startswith("state-")]
        if "state-badge" in classes and len(states) == 2:
            return Marked((f"state.{states[1]}",), exact=True)
        return None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        self.visible.extend(v for k, v in attrs if k in SPOKEN and v)
        if tag in HIDDEN:
            self._hidden += 1
            self._json = named.get("type") == "application/json"
        if tag in VOID:
            return
        marked = self._marking(named)
        if marked is not None:
            marked.html = self.get_starttag_text() or ""
            self.marked.append(marked)
        self._stack.append(_Open(tag, marked))

    def handle_endtag(self, tag: str) -> None:
        if tag in HIDDEN:
            self._hidden = max(0, self._hidden - 1)
            self._json = False
        for i in range(len(self._stack) - 1, -1, -1):
            if self._stack[i].tag == tag:
                del self._stack[i:]
                return

    def handle_data(self, data: str) -> None:
        if self._hidden:
            if self._json and data.strip():
                self.visible.extend(strings(json.loads(data)))
            return
        self.visible.append(data)
        for item in self._stack:
            if item.marked is not None:
                item.marked.text += data


def strings(value: Any) -> list[str]:
    """Every string value in a JSON document (not its keys, which are codes)."""
    if isinstance(value, str):
        return [PLACEHOLDER.sub(" ", value)]
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return []


def read(html: str) -> PageText:
    """A parsed page."""
    page = PageText()
    page.feed(html)
    page.close()
    return page
