"""Budgets typed the way Indonesian people write amounts."""

from __future__ import annotations

import pytest

from pabrik.model.errors import InvalidRequestError
from pabrik.present.assess.amounts import parse_rupiah


@pytest.mark.parametrize(
    ("text", "rupiah"),
    [
        ("Rp150juta", 150_000_000),
        ("150 juta", 150_000_000),
        ("1,5 miliar", 1_500_000_000),
        ("Rp 1.500.000.000", 1_500_000_000),
        ("500000000", 500_000_000),
        ("Rp 250 jt", 250_000_000),
        ("2 M", 2_000_000_000),
        ("1.5 billion", 1_500_000_000),
        ("1,500,000", 1_500_000),
        ("1.250,5 juta", 1_250_500_000),
        ("IDR 75.000", 75_000),
        ("0", 0),
    ],
)
def test_indonesian_amounts_are_read_as_whole_rupiah(text: str, rupiah: int) -> None:
    assert parse_rupiah(text) == rupiah


@pytest.mark.parametrize("text", ["-5", "Rp -150 juta", "−1,5 miliar"])
def test_negative_amounts_are_refused_as_negative(text: str) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        parse_rupiah(text)
    assert caught.value.details["reason"] == "negative_budget"


@pytest.mark.parametrize("text", ["lima juta", "1.2.3", "150 kilo", "9" * 41, "1" * 20])
def test_nonsense_is_refused_as_a_bad_budget(text: str) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        parse_rupiah(text)
    assert caught.value.details["reason"] == "bad_budget"


def test_an_empty_field_means_no_budget() -> None:
    assert parse_rupiah("") is None
    assert parse_rupiah("   ") is None
