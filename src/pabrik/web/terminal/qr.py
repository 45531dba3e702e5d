"""QR codes as inline SVG, made offline with segno."""

from __future__ import annotations

import io

import segno


def qr_svg(url: str) -> str:
    """An SVG QR code of ``url`` (error correction M), sized by the page's CSS."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(
        buffer, kind="svg", xmldecl=False, svgns=True, scale=4, border=2, omitsize=True
    )
    return buffer.getvalue().decode("utf-8")
