"""Production orders as spans of epoch ms on one machine: the context of the OPC 40001-1 reading."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from pabrik.model.orders import ProductionOrder
from pabrik.model.records import to_epoch_ms

_MS_PER_S = 1000


@dataclass(frozen=True, slots=True)
class OrderSpan:
    """One configured order on one machine, [start, end) in epoch ms."""

    order_id: str
    start: int
    end: int
    product_id: str | None
    pri_ms: Fraction | None
    planned_scrap_ratio: Fraction
    quantity: int


def order_spans(orders: Iterable[ProductionOrder], machine_id: str) -> list[OrderSpan]:
    """The machine's configured orders, in start order (they never overlap)."""
    spans = [
        OrderSpan(
            order_id=o.id,
            start=to_epoch_ms(o.start),
            end=to_epoch_ms(o.end),
            product_id=o.product,
            pri_ms=None if o.pri_s is None else Fraction(o.pri_s) * _MS_PER_S,
            planned_scrap_ratio=Fraction(o.planned_scrap_ratio),
            quantity=o.quantity,
        )
        for o in orders
        if o.machine == machine_id
    ]
    return sorted(spans, key=lambda s: s.start)


def order_at(spans: Sequence[OrderSpan], t: int) -> OrderSpan | None:
    """The order registered at instant ``t`` (start <= t < end)."""
    i = bisect_left([s.end for s in spans], t + 1)
    if i < len(spans) and spans[i].start <= t < spans[i].end:
        return spans[i]
    return None


def order_ending_at(spans: Sequence[OrderSpan], t: int) -> OrderSpan | None:
    """The order a count stamped at ``t`` belongs to (start < t <= end)."""
    return order_at(spans, t - 1)


def cut_points(spans: Sequence[OrderSpan], start: int, end: int) -> list[int]:
    """Order borders strictly inside (start, end), where the reading may change."""
    return sorted({p for s in spans for p in (s.start, s.end) if start < p < end})
