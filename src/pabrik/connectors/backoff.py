"""Exponential backoff with full jitter for reconnect loops."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(slots=True)
class Backoff:
    """Delays that double from ``initial`` up to ``maximum``, each randomised below its cap."""

    initial: float = 0.5
    maximum: float = 30.0
    attempt: int = 0
    rng: random.Random | None = None

    def next_delay(self) -> float:
        """The delay before the next attempt, in seconds."""
        cap = min(self.maximum, self.initial * (2**self.attempt))
        self.attempt += 1
        # Full jitter spreads reconnects from many clients after a broker restart.
        return (self.rng or random).uniform(cap / 2, cap)

    def reset(self) -> None:
        """Start again from the initial delay after a success."""
        self.attempt = 0
