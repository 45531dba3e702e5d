"""The one way pabrik makes a PDF: WeasyPrint over self-contained HTML, with no network access.

Reports carry their own print styles and inline SVG charts, so any URL a report names is
refused instead of fetched: a report never reaches outside the machine.
"""

from __future__ import annotations

from typing import Any


class ExternalResourceError(ValueError):
    """A report asked for a resource outside itself."""


def _refuse(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise ExternalResourceError(f"reports load no external resources; refused {url[:80]}")


def html_to_pdf(html: str) -> bytes:
    """A PDF of self-contained HTML."""
    from weasyprint import HTML  # type: ignore[import-untyped]

    pdf: bytes = HTML(string=html, url_fetcher=_refuse).write_pdf()
    return pdf
