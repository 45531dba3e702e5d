"""A radar chart of pillar scores as inline SVG, for reports that are printed or made into PDF."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

CURRENT = "#0b5cad"
PREVIOUS = "#8c959f"
LABEL_SIZE = 15
LINE_HEIGHT = 18
LABEL_GAP = 14
MARGIN = 12
LEGEND_HEIGHT = 30
WRAP_AT = 14
CHAR_EM = 0.62


@dataclass(frozen=True, slots=True)
class Series:
    """One polygon: a name and a value per axis."""

    name: str
    values: tuple[float, ...]
    color: str
    dashed: bool = False


def _point(cx: float, cy: float, radius: float, index: int, count: int) -> tuple[float, float]:
    angle = -math.pi / 2 + 2 * math.pi * index / count
    return cx + radius * math.cos(angle), cy + radius * math.sin(angle)


def _polygon(points: Sequence[tuple[float, float]]) -> str:
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in points)


def _anchor(x: float, cx: float) -> str:
    if abs(x - cx) < 1:
        return "middle"
    return "start" if x > cx else "end"


def wrap_label(label: str, width: int = WRAP_AT) -> list[str]:
    """A long axis label on two lines, split at the space nearest the middle."""
    if len(label) <= width or " " not in label:
        return [label]
    middle = len(label) / 2
    cut = min((i for i, c in enumerate(label) if c == " "), key=lambda i: abs(i - middle))
    return [label[:cut], label[cut + 1 :]]


def text_width(text: str, font_size: float) -> float:
    """A generous width estimate of a line (DejaVu Sans averages ~0.55 em per character)."""
    return len(text) * font_size * CHAR_EM


def radar_svg(
    axes: Sequence[str],
    series: Sequence[Series],
    scale_max: int,
    *,
    size: int = 360,
    title: str = "",
) -> Markup:
    """An SVG radar with one ring per level and one polygon per series (previous drawn first).

    Axes run clockwise from the top, the same on the web page and in the PDF (one function
    draws both), and the canvas is wide enough for every label, so none is cut off.
    """
    count = max(len(axes), 3)
    lines = [wrap_label(a) for a in axes]
    widest = max((text_width(line, LABEL_SIZE) for ls in lines for line in ls), default=0.0)
    pad_x, pad_y = widest + LABEL_GAP + MARGIN, 2 * LINE_HEIGHT + LABEL_GAP + MARGIN
    cx, cy = size / 2 + pad_x, size / 2 + pad_y
    radius = size / 2
    width = size + 2 * pad_x
    height = size + 2 * pad_y + LEGEND_HEIGHT
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}"'
        f' width="{width:.0f}" height="{height:.0f}" role="img" aria-label="{escape(title)}"'
        ' class="radar-svg" font-family="DejaVu Sans, Liberation Sans, Arial, sans-serif">',
        "<g>",
    ]
    for level in range(1, scale_max + 1):
        ring = [_point(cx, cy, radius * level / scale_max, i, count) for i in range(count)]
        parts.append(
            f'<polygon points="{_polygon(ring)}" fill="none" stroke="#d0d7de" stroke-width="1"/>'
        )
        x, y = _point(cx, cy, radius * level / scale_max, 0, count)
        parts.append(
            f'<text x="{x + 4:.1f}" y="{y + 4:.1f}" font-size="11" fill="#59636e">{level}</text>'
        )
    for i, label_lines in enumerate(lines):
        x, y = _point(cx, cy, radius, i, count)
        parts.append(f'<line x1="{cx}" y1="{cy}" x2="{x:.1f}" y2="{y:.1f}" stroke="#d0d7de"/>')
        lx, ly = _point(cx, cy, radius + LABEL_GAP, i, count)
        # Labels above the centre grow upwards, those below grow downwards.
        first = ly - (len(label_lines) - 1) * LINE_HEIGHT if ly < cy - 1 else ly + 5
        if abs(ly - cy) <= 1:
            first = ly + 5 - (len(label_lines) - 1) * LINE_HEIGHT / 2
        spans = "".join(
            f'<tspan x="{lx:.1f}" y="{first + n * LINE_HEIGHT:.1f}">{escape(line)}</tspan>'
            for n, line in enumerate(label_lines)
        )
        parts.append(
            f'<text font-size="{LABEL_SIZE}" fill="#1f2328" class="axis"'
            f' text-anchor="{_anchor(lx, cx)}">{spans}</text>'
        )
    for s in series:
        points = [
            _point(cx, cy, radius * max(0.0, min(v, scale_max)) / scale_max, i, count)
            for i, v in enumerate(s.values)
        ]
        dash = ' stroke-dasharray="6 4"' if s.dashed else ""
        fill = "none" if s.dashed else s.color
        parts.append(
            f'<polygon points="{_polygon(points)}" fill="{fill}" fill-opacity="0.18"'
            f' stroke="{s.color}" stroke-width="2.5"{dash}/>'
        )
        parts += [
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{s.color}"/>' for x, y in points
        ]
    parts.append("</g>")
    parts += _legend(series, height)
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text above is escaped


def _legend(series: Sequence[Series], height: float) -> list[str]:
    out: list[str] = []
    x = 16.0
    y = height - 14
    for s in series:
        dash = ' stroke-dasharray="6 4"' if s.dashed else ""
        out.append(
            f'<line x1="{x}" y1="{y}" x2="{x + 26}" y2="{y}" stroke="{s.color}"'
            f' stroke-width="3"{dash}/>'
        )
        out.append(
            f'<text x="{x + 32}" y="{y + 4}" font-size="14" fill="#1f2328">{escape(s.name)}</text>'
        )
        x += 44 + 8.2 * len(s.name)
    return out
