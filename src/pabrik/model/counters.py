"""Readings of cumulative counters and raw state codes, as every connector sees them."""

from __future__ import annotations

import math


def counter_delta(previous: int | None, current: int) -> int | None:
    """Units since the previous reading of a cumulative counter; None for the first.

    A counter that goes down was reset (or wrapped), so all it shows was made since.
    """
    if previous is None:
        return None
    return current - previous if current >= previous else current


def state_key(value: object) -> str:
    """The text a raw value is looked up by in a state value map (1.0 and True read "1")."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return str(int(value))
    return str(value)
