"""Energy performance after ISO 50001: specific consumption, a regression baseline, EnPI.

The baseline is E = a + b * P fitted by ordinary least squares over the periods of a
reference window (one point per period, usually a day), exactly in fractions. A later
period's expected energy is a + b * P; the EnPI index is actual / expected (below 1 is
an improvement) and the savings are expected - actual.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from pabrik.kpi.account import TimeAccount


@dataclass(frozen=True, slots=True)
class Baseline:
    """An energy baseline E = intercept + slope * production, with its fit data."""

    intercept: Fraction
    """Base load per period, kWh."""
    slope: Fraction
    """kWh per unit produced."""
    points: int
    r_squared: float | None

    def expected(self, production: int | Fraction) -> Fraction:
        """Expected energy for a period's production."""
        return self.intercept + self.slope * production


@dataclass(frozen=True, slots=True)
class EnpiResult:
    """A reporting period against the baseline."""

    actual_kwh: Fraction
    expected_kwh: Fraction
    savings_kwh: Fraction
    index: Fraction | None
    """actual / expected; None when nothing was expected."""


class BaselineError(ValueError):
    """The reference data cannot give a regression (too few or identical points)."""


def fit_baseline(points: Sequence[tuple[int | Fraction, int | Fraction]]) -> Baseline:
    """Least-squares fit of energy (kWh) on production over (production, energy) points."""
    if len(points) < 2:
        raise BaselineError("a baseline needs at least two reference periods")
    xs = [Fraction(x) for x, _ in points]
    ys = [Fraction(y) for _, y in points]
    n = len(points)
    mx, my = sum(xs, Fraction(0)) / n, sum(ys, Fraction(0)) / n
    sxx = sum(((x - mx) ** 2 for x in xs), Fraction(0))
    if sxx == 0:
        raise BaselineError("the reference periods all have the same production")
    sxy = sum(((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)), Fraction(0))
    slope = sxy / sxx
    intercept = my - slope * mx
    syy = sum(((y - my) ** 2 for y in ys), Fraction(0))
    r2 = None if syy == 0 else float(sxy * sxy / (sxx * syy))
    return Baseline(intercept, slope, n, r2)


def enpi(baseline: Baseline, production: int | Fraction, actual_kwh: Fraction) -> EnpiResult:
    """Expected against actual energy for one reporting period of the baseline's length."""
    return enpi_of(baseline.expected(production), actual_kwh)


def enpi_of(expected_kwh: Fraction, actual_kwh: Fraction) -> EnpiResult:
    """The EnPI index actual / expected and the savings expected - actual."""
    index = actual_kwh / expected_kwh if expected_kwh > 0 else None
    return EnpiResult(actual_kwh, expected_kwh, expected_kwh - actual_kwh, index)


def wasted_energy_wh(acc: TimeAccount) -> Fraction:
    """Energy not spent on good units: all of it outside production time, plus scrap's share.

    Scrap's share is the energy drawn while producing times (units made - good) / units made.
    """
    e, x = acc.elements, acc.extras
    good_share = Fraction(e.gq, e.pq) if e.pq else Fraction(0)
    return x.energy_wh - x.energy_run_wh * good_share
