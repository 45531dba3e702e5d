"""The cost of losses in rupiah, and what one OEE percentage point is worth on a line.

Rules: a line's lost time is the mean over its machines of each loss (a balanced line
stands when its machines stand), priced at the line's downtime cost per hour. Scrap is
priced per unit of each product (the plant rate when a product has none). Energy is the
metered kWh at the plant's rate. One OEE point is 1 % of the line's planned busy time
turned into fully productive time, priced at the same hourly rate.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

MS_PER_HOUR = 3_600_000


@dataclass(frozen=True, slots=True)
class LossCost:
    """One priced loss: its time (or units, or kWh) and its rupiah value."""

    key: str
    quantity: Fraction
    unit: str
    idr: Fraction


def time_cost(ms: Fraction | int, machines: int, rate_per_hour: Decimal) -> Fraction:
    """Rupiah of a loss summed over ``machines`` machines of one line."""
    if machines <= 0:
        return Fraction(0)
    return Fraction(ms) / machines / MS_PER_HOUR * Fraction(rate_per_hour)


def time_costs(
    losses_ms: Mapping[str, Fraction], machines: int, rate_per_hour: Decimal
) -> list[LossCost]:
    """Each time loss as line hours and rupiah, biggest first; negative losses left out."""
    out = [
        LossCost(
            key, Fraction(ms) / machines / MS_PER_HOUR, "h", time_cost(ms, machines, rate_per_hour)
        )
        for key, ms in losses_ms.items()
        if ms > 0 and machines > 0
    ]
    return sorted(out, key=lambda c: (-c.idr, c.key))


def oee_point_worth(pbt_ms: int, machines: int, rate_per_hour: Decimal) -> Fraction:
    """Rupiah gained by one more OEE percentage point on a line over the window."""
    return time_cost(Fraction(pbt_ms, 100), machines, rate_per_hour)


def energy_cost(wh: int, rate_per_kwh: Decimal) -> Fraction:
    """Rupiah of metered energy."""
    return Fraction(wh, 1000) * Fraction(rate_per_kwh)
