"""Elements are immutable, additive ISO 22400 building blocks."""

from __future__ import annotations

import dataclasses
from fractions import Fraction

import pytest

from pabrik.kpi.elements import Elements, sum_elements

A = Elements(
    pot=10,
    pdot=2,
    pbt=8,
    apt=5,
    aust=1,
    adet=1,
    adot=1,
    unknown=0,
    pq=7,
    gq=6,
    sq=1,
    ideal_ms=Fraction(7, 2),
    ideal_good_ms=Fraction(3),
)
B = Elements(
    pot=4,
    pbt=4,
    apt=1,
    unknown=3,
    pq=2,
    gq=1,
    rq=1,
    ideal_ms=Fraction(1, 3),
    ideal_good_ms=Fraction(1, 6),
)


def test_elements_add_field_by_field() -> None:
    total = A + B
    for f in dataclasses.fields(Elements):
        assert getattr(total, f.name) == getattr(A, f.name) + getattr(B, f.name)


def test_zero_is_neutral_and_sum_of_nothing_is_zero() -> None:
    assert A + Elements.zero() == A
    assert sum_elements([]) == Elements.zero()
    assert sum_elements([A, B, A]) == A + B + A == Elements.sum([A, B, A])


def test_elements_are_immutable() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        A.apt = 3  # type: ignore[misc]


def test_iso_derived_times() -> None:
    assert (A.aupt, A.aubt) == (6, 7)


def test_tiling_invariant_detects_untiled_elements() -> None:
    assert A.tiled
    assert B.tiled
    assert not Elements(pot=5, pbt=5, apt=4).tiled
