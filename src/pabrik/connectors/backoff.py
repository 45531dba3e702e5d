"""Exponential backoff for every retry loop: connector reconnects and waiting for the store."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(slots=True)
class Backoff:
    """Delays that grow by ``factor`` from ``initial`` up to ``maximum``.

    With ``jitter`` each delay is drawn between half its cap and the cap, so that many
    clients retrying after one outage (a broker restart, a database failover) spread out.
    """

    initial: float = 0.5
    maximum: float = 30.0
    factor: float = 2.0
    jitter: bool = True
    attempt: int = 0
    rng: random.Random | None = None

    def cap(self, attempt: int) -> float:
        """The ceiling of the delay after ``attempt`` earlier failures (0 for the first)."""
        try:
            grown = self.initial * self.factor**attempt
        except OverflowError:  # an outage of days: the exponent outgrew a float
            return self.maximum
        return float(min(self.maximum, grown))

    def next_delay(self) -> float:
        """The delay before the next attempt, in seconds; each call counts one failure."""
        cap = self.cap(self.attempt)
        if cap < self.maximum:
            # Counting stops at the ceiling, so a connector retrying for weeks never overflows.
            self.attempt += 1
        if not self.jitter:
            return cap
        return (self.rng or random).uniform(cap / 2, cap)

    def reset(self) -> None:
        """Start again from the initial delay after a success."""
        self.attempt = 0
