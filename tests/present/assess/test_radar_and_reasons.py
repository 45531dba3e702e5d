"""The radar SVG fits its labels and runs clockwise; each gap's reason is one sentence."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from pabrik.assessment.gaps import CompanyProfile, apply_pins, rank_gaps, suggested_targets
from pabrik.assessment.scoring import score
from pabrik.present.assess.svg import LABEL_SIZE, Series, radar_svg, text_width
from pabrik.present.assess.text import AssessText
from pabrik.present.formatting import Formatter
from pabrik.present.i18n import Catalogues
from pabrik.runtime.assess.data import load_registry
from tests.assessment.answers import MIXED, by_score

SVG = "{http://www.w3.org/2000/svg}"
REGISTRY = load_registry()
CATALOGUES = Catalogues.load()
LONG_AXES = [
    "Manajemen dan Organisasi",
    "Orang dan Budaya",
    "Produk dan Layanan",
    "Teknologi",
    "Operasi Pabrik",
]


def label_boxes(svg: str) -> tuple[list[float], list[tuple[str, float, float, float, float]]]:
    root = ET.fromstring(svg)
    view = [float(v) for v in root.attrib["viewBox"].split()]
    boxes = []
    for text in root.iter(f"{SVG}text"):
        if text.attrib.get("class") != "axis":
            continue
        anchor = text.attrib["text-anchor"]
        for span in text.iter(f"{SVG}tspan"):
            x, y, words = float(span.attrib["x"]), float(span.attrib["y"]), span.text or ""
            width = text_width(words, LABEL_SIZE)
            left = {"start": x, "middle": x - width / 2, "end": x - width}[anchor]
            boxes.append((words, left, y - LABEL_SIZE, left + width, y + 4))
    return view, boxes


@pytest.mark.parametrize("axes", [LONG_AXES, ["Kinerja", "Proses", "Sistem dan otomasi", "X"]])
def test_every_axis_label_fits_inside_the_radar(axes: list[str]) -> None:
    svg = str(radar_svg(axes, [Series("now", tuple(2.0 for _ in axes), "#000")], 4))
    view, boxes = label_boxes(svg)
    assert boxes
    for words, left, top, right, bottom in boxes:
        assert view[0] <= left, words
        assert right <= view[0] + view[2], words
        assert view[1] <= top, words
        assert bottom <= view[1] + view[3], words


def test_the_axes_run_clockwise_from_the_top() -> None:
    svg = str(radar_svg(LONG_AXES, [Series("now", (1.0,) * 5, "#000")], 4))
    view, boxes = label_boxes(svg)
    centre = view[2] / 2
    first = {words: (left + right) / 2 for words, left, _, right, _ in boxes}
    assert first["Orang dan"] > centre > first["Operasi Pabrik"]


@pytest.mark.parametrize(("locale", "start"), [("id", "Peringkat "), ("en", "Rank ")])
def test_every_rank_says_why_in_one_sentence(locale: str, start: str) -> None:
    model = REGISTRY.get("indi40")
    result = score(model, by_score(model, MIXED, 2))
    gaps = rank_gaps(model, result, suggested_targets(model, result), CompanyProfile())
    gaps = apply_pins(gaps, {gaps[-1].field_id: 1})
    text = AssessText(model, REGISTRY.catalogue, Formatter(CATALOGUES.get(locale), "UTC"))
    for rank, gap in enumerate(gaps, start=1):
        why = text.why(gap, rank)
        assert why.startswith(f"{start}{rank}:"), why
        assert why.endswith(".")
        # One sentence: no full stop before the end other than inside a number.
        assert not re.search(r"\.\s", why[:-1]), why
        assert "%(" not in why
    assert gaps[0].pinned
    assert f"{gaps[0].computed_rank})" in text.why(gaps[0], 1)
