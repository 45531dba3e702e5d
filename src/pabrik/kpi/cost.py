"""The cost of losses in rupiah, and what one OEE percentage point is worth on a line.

Rules: a line's lost time is counted in machine-hours, summed over its machines (the same
figures the losses page shows), and priced at the line's downtime cost per line-hour
divided by its machines: an hour lost on one of four machines costs a quarter of a line-hour.
Scrap is priced per unit of each product (the plant rate when a product has none). Energy
is priced at the plant's rate per kWh. One OEE point is 1 % of the line's planned busy time
turned into fully productive time, priced at the same rate.
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
    """Rupiah of ``ms`` machine-time summed over the ``machines`` machines of one line."""
    if machines <= 0:
        return Fraction(0)
    return Fraction(ms) / machines / MS_PER_HOUR * Fraction(rate_per_hour)


def time_costs(losses_ms: Mapping[str, Fraction], machines: int, rate: Decimal) -> list[LossCost]:
    """Each time loss in machine-hours and rupiah, biggest first; negative losses left out."""
    out = [
        LossCost(key, Fraction(ms) / MS_PER_HOUR, "machine_h", time_cost(ms, machines, rate))
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
