"""A work unit's time account: elements plus the downtime detail behind them, and their sum."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from pabrik.kpi.elements import Elements, Extras
from pabrik.model.states import StateClass


class DowntimeKey(NamedTuple):
    """An availability loss bucket: the state class and the reason code it was given."""

    state: StateClass
    reason: str | None


@dataclass(frozen=True, slots=True)
class TimeAccount:
    """Elements of a work unit over a window, with the downtime detail behind them."""

    elements: Elements
    micro_stop_ms: int
    """The threshold used: unplanned stops shorter than this stayed in APT."""
    downtime_ms: Mapping[DowntimeKey, int] = field(default_factory=dict)
    """AUST, ADET and ADOT inside PBT by (state, reason); sums to AUST + ADET + ADOT."""
    micro_stop_time_ms: int = 0
    """Time inside PBT of unplanned stops counted as APT because they were short."""
    debounce_ms: int = 0
    """The flicker threshold used."""
    order_data: bool = False
    """Whether every machine summed had order data (else: machine-state reading)."""
    extras: Extras = field(default_factory=Extras)
    """Failure events, maintenance and order time, planned scrap and energy."""

    def __add__(self, other: TimeAccount) -> TimeAccount:
        if not isinstance(other, TimeAccount):
            return NotImplemented
        if (other.micro_stop_ms, other.debounce_ms) != (self.micro_stop_ms, self.debounce_ms):
            raise ValueError(
                "cannot add time accounts computed with different micro-stop or debounce rules"
            )
        downtime = Counter(self.downtime_ms)
        downtime.update(other.downtime_ms)
        return TimeAccount(
            elements=self.elements + other.elements,
            micro_stop_ms=self.micro_stop_ms,
            downtime_ms=dict(downtime),
            micro_stop_time_ms=self.micro_stop_time_ms + other.micro_stop_time_ms,
            debounce_ms=self.debounce_ms,
            order_data=self.order_data and other.order_data,
            extras=self.extras + other.extras,
        )

    def downtime_by_reason(self) -> dict[str | None, int]:
        """Availability-loss time inside PBT per reason code (None: no reason given)."""
        totals: Counter[str | None] = Counter()
        for key, ms in self.downtime_ms.items():
            totals[key.reason] += ms
        return dict(totals)


def sum_accounts(parts: Iterable[TimeAccount]) -> TimeAccount:
    """The one way time accounts are summed: machines into lines, hours into windows."""
    items = list(parts)
    if not items:
        raise ValueError("sum_accounts needs at least one account")
    total = items[0]
    for part in items[1:]:
        total += part
    return total


def zero_account(micro_stop_ms: int, debounce_ms: int) -> TimeAccount:
    """An empty account under the given rules: the neutral element of ``+``."""
    return TimeAccount(
        elements=Elements(), micro_stop_ms=micro_stop_ms, debounce_ms=debounce_ms, order_data=True
    )
