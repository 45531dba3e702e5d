"""What a page links to and loads, and how many inline scripts it has (none is allowed)."""

from __future__ import annotations

from html.parser import HTMLParser


class LinkCollector(HTMLParser):
    """Collects every URL a page would load or link to."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str, str]] = []
        self.inline_scripts: int = 0
        self._in_script_type: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        for attr in ("src", "href", "hx-get", "action"):
            value = named.get(attr)
            if value is not None:
                self.urls.append((tag, attr, value))
        if tag == "script" and "src" not in named:
            self._in_script_type = named.get("type") or "text/javascript"

    def handle_data(self, data: str) -> None:
        if self._in_script_type and self._in_script_type != "application/json" and data.strip():
            self.inline_scripts += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script_type = None


def collect(html: str) -> LinkCollector:
    parser = LinkCollector()
    parser.feed(html)
    return parser
