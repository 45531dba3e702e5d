"""Production orders: what a machine is to make, when, at which rate and with how much scrap."""

from __future__ import annotations

import itertools
from datetime import datetime
from decimal import Decimal
from typing import Self

from pydantic import Field, model_validator

from pabrik.model.fields import Identifier, StrictModel


class ProductionOrder(StrictModel):
    """A production order on one machine: planned quantity, run time per item, planned scrap."""

    id: str = Field(min_length=1, max_length=64)
    machine: Identifier
    product: Identifier | None = None
    start: datetime
    end: datetime
    quantity: int = Field(gt=0)
    """Planned order quantity (POQ)."""
    pri_s: Decimal | None = Field(default=None, gt=0, le=86400)
    """Planned run time per item; the product's ideal cycle time when not given."""
    planned_scrap_ratio: Decimal = Field(default=Decimal(0), ge=0, le=1)
    """Expected scrap as a share of produced quantity (PSQ = ratio x PQ)."""

    @model_validator(mode="after")
    def _aware_and_ordered(self) -> Self:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("order start and end need a UTC offset")
        if self.end <= self.start:
            raise ValueError("an order must end after it starts")
        return self


def order_overlap(orders: list[ProductionOrder]) -> str | None:
    """A description of the first two orders on one machine whose times overlap, if any."""
    by_machine: dict[str, list[ProductionOrder]] = {}
    for order in orders:
        by_machine.setdefault(order.machine, []).append(order)
    for machine_id, items in by_machine.items():
        items.sort(key=lambda o: o.start)
        for a, b in itertools.pairwise(items):
            if b.start < a.end:
                return (
                    f"orders '{a.id}' and '{b.id}' overlap on machine '{machine_id}'"
                    f" from {b.start.isoformat()} to {min(a.end, b.end).isoformat()}"
                )
    return None
