"""The one way pabrik makes a PDF: WeasyPrint over self-contained HTML, with no network access.

Reports carry their own print styles and inline SVG charts, so any URL a report names is
refused instead of fetched: a report never reaches outside the machine. The one exception is
the vendored Korean font, read from the package's files so Hangul renders in every PDF, offline.
It sits with the other vendored assets (web/static/vendor/noto-sans-kr), where the dashboard
serves the same files as its Hangul fallback: one copy, read here as data, never imported.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Final

FONT_FAMILY: Final = "Noto Sans KR"
FONT_FILES: Final = ((400, "NotoSansKR-Regular.woff"), (700, "NotoSansKR-Bold.woff"))


_HANGUL = re.compile("[\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3]")


class ExternalResourceError(ValueError):
    """A report asked for a resource outside itself."""


def font_dir() -> Path:
    """The folder of the vendored Korean font."""
    folder = resources.files("pabrik").joinpath("web", "static", "vendor", "noto-sans-kr")
    return Path(str(folder))


def has_hangul(text: str) -> bool:
    """Whether ``text`` has any Hangul, the only script the vendored font adds."""
    return _HANGUL.search(text) is not None


@cache
def _fonts() -> dict[str, Path]:
    """The file URL of each vendored font file, the only URLs a report may load."""
    return {(font_dir() / name).as_uri(): font_dir() / name for _, name in FONT_FILES}


def font_css() -> str:
    """``@font-face`` rules for the vendored Korean font; text falls back to it for Hangul."""
    return "".join(
        f'@font-face {{ font-family: "{FONT_FAMILY}"; font-weight: {weight}; '
        f'src: url("{(font_dir() / name).as_uri()}") format("woff"); }}\n'
        for weight, name in FONT_FILES
    )


class _Fetcher:
    """WeasyPrint's URL fetcher: the vendored font files, and nothing else."""

    # WeasyPrint reads this on a failed fetch: a refused URL stops the rendering.
    _fail_on_errors = True

    def __call__(self, url: str, *args: Any, **kwargs: Any) -> Any:
        from weasyprint.urls import URLFetcherResponse  # type: ignore[import-untyped]

        path = _fonts().get(url)
        if path is None:
            raise ExternalResourceError(f"reports load no external resources; refused {url[:80]}")
        body = path.read_bytes()
        return URLFetcherResponse(url, body=body, headers={"Content-Type": "font/woff"})


_fetch = _Fetcher()


def html_to_pdf(html: str) -> bytes:
    """A PDF of self-contained HTML, with the Korean font available to it."""
    from weasyprint import CSS, HTML  # type: ignore[import-untyped]
    from weasyprint.text.fonts import FontConfiguration  # type: ignore[import-untyped]

    fonts = FontConfiguration()
    # Reading the font costs a fraction of a second: only a report with Hangul pays it.
    sheets = []
    if has_hangul(html):
        sheets.append(CSS(string=font_css(), font_config=fonts, url_fetcher=_fetch))
    document = HTML(string=html, url_fetcher=_fetch)
    pdf: bytes = document.write_pdf(stylesheets=sheets, font_config=fonts)
    return pdf
