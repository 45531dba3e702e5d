"""ISO 22400-2 elements of one or many work units over a period: additive, exact values."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from fractions import Fraction
from typing import Any


@dataclass(frozen=True, slots=True)
class Elements:
    """ISO 22400 time elements (integer ms), quantities (units) and ideal time (exact ms).

    Every field is additive, so a line or a plant is the sum of its machines and a day is
    the sum of its shifts; KPIs are then computed from the sum, never averaged.
    """

    pot: int = 0
    """Planned operation time: shift time inside the window."""
    pdot: int = 0
    """Planned down time inside POT: breaks and machine-reported planned stops."""
    pbt: int = 0
    """Planned busy time: POT - PDOT."""
    apt: int = 0
    """Actual production time, including micro-stops below the threshold."""
    aust: int = 0
    """Actual unit setup time (changeover)."""
    adet: int = 0
    """Actual unit delay time (unplanned stops at or above the micro-stop threshold)."""
    adot: int = 0
    """Actual unit down time (idle: available but not producing)."""
    unknown: int = 0
    """Planned busy time with no known state; never counted as production."""
    pq: int = 0
    """Produced quantity: good + scrap + rework."""
    gq: int = 0
    """Good quantity."""
    sq: int = 0
    """Scrap quantity."""
    rq: int = 0
    """Rework quantity."""
    ideal_ms: Fraction = Fraction(0)
    """Sum over products of PRI x PQ, in ms: the time the output needs at ideal speed."""
    ideal_good_ms: Fraction = Fraction(0)
    """Sum over products of PRI x GQ, in ms: fully productive time."""
    sq_startup: int = 0
    """Start-up scrap: the part of SQ made inside a start-up window (see `timemodel`)."""
    ideal_startup_ms: Fraction = Fraction(0)
    """Sum over products of PRI x start-up scrap, in ms: the reduced-yield loss."""

    def __add__(self, other: Elements) -> Elements:
        if not isinstance(other, Elements):
            return NotImplemented
        summed: dict[str, Any] = {
            f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)
        }
        return Elements(**summed)

    @classmethod
    def zero(cls) -> Elements:
        """The neutral element of ``+``."""
        return cls()

    @classmethod
    def sum(cls, items: Iterable[Elements]) -> Elements:
        """The sum of many elements (zero for none)."""
        total = cls.zero()
        for item in items:
            total += item
        return total

    @property
    def known_pbt(self) -> int:
        """PBT whose machine state is known: the time KPIs divide by (unknown time is left out)."""
        return self.pbt - self.unknown

    @property
    def aupt(self) -> int:
        """Actual unit processing time: APT + AUST."""
        return self.apt + self.aust

    @property
    def aubt(self) -> int:
        """Actual unit busy time: APT + AUST + ADET."""
        return self.aupt + self.adet

    @property
    def tiled(self) -> bool:
        """Whether POT = PBT + PDOT and the actual states exactly tile PBT."""
        return self.pot == self.pbt + self.pdot and self.pbt == (
            self.apt + self.aust + self.adet + self.adot + self.unknown
        )


@dataclass(frozen=True, slots=True)
class Extras:
    """Additive measures beside the time elements: failures, maintenance, orders, energy."""

    fe: int = 0
    """Failure events: unplanned-stop runs (not micro-stops) that start inside PBT."""
    cmt: int = 0
    """Corrective maintenance time: ADET of failures (reasons marked corrective, else all)."""
    pmt: int = 0
    """Preventive maintenance time: planned stops whose reason is marked preventive."""
    aoet: int = 0
    """Actual order execution time: time with a production order registered."""
    psq: Fraction = Fraction(0)
    """Planned scrap quantity: each order's planned scrap ratio x its produced quantity."""
    energy_wh: int = 0
    """Energy drawn, in Wh, from the machine's cumulative energy meter."""
    energy_run_wh: int = 0
    """The part of ``energy_wh`` drawn during production time (APT, micro-stops included)."""
    scrap_cost_idr: Fraction = Fraction(0)
    """Scrap units priced by product (the plant rate when a product has none), rupiah."""

    def __add__(self, other: Extras) -> Extras:
        if not isinstance(other, Extras):
            return NotImplemented
        summed: dict[str, Any] = {
            f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)
        }
        return Extras(**summed)


def sum_elements(items: Iterable[Elements]) -> Elements:
    """The sum of many elements; the basis of line and plant KPIs."""
    return Elements.sum(items)
