"""A configured name in Indonesian, English and Korean."""

from __future__ import annotations

from pabrik.model.fields import Text


def test_korean_falls_back_to_english_then_indonesian() -> None:
    assert Text(id="Shift malam", en="Night shift", ko="야간 교대조").get("ko") == "야간 교대조"
    assert Text(id="Shift malam", en="Night shift").get("ko") == "Night shift"
    assert Text(id="Shift malam").get("ko") == "Shift malam"
    assert Text(id="Shift malam", en="Night shift", ko="야간 교대조").get("en") == "Night shift"


def test_a_text_without_korean_dumps_as_before_so_plant_fingerprints_hold() -> None:
    assert Text(id="Shift malam", en="Night shift").model_dump(mode="json") == {
        "id": "Shift malam",
        "en": "Night shift",
    }
    assert Text(id="a", ko="가").model_dump(mode="json")["ko"] == "가"
