"""Reuse of a computed view for a few seconds, so many dashboards cost one computation."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class _Entry(Generic[T]):
    value: T
    at_monotonic: float
    at_clock: datetime
    version: int


class Reuse(Generic[T]):
    """One view reused while the clock has moved less than ``ttl_s`` since it was computed.

    A write with the clock standing still (a frozen test clock, or a burst inside one tick)
    always recomputes: asking again for the same instant after new data means new figures.
    Only one thread computes at a time; the others wait and take its result.
    """

    def __init__(self, ttl_s: float, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s = ttl_s
        self._monotonic = monotonic
        self._entry: _Entry[T] | None = None
        self._lock = threading.Lock()
        self.computed = 0
        self.reused = 0

    def get(self, now: datetime, version: int, compute: Callable[[datetime], T]) -> T:
        """The view at ``now``, or a recent one; ``version`` counts the writes seen so far."""
        with self._lock:
            entry = self._entry
            if entry is not None and self._fresh(entry, now, version):
                self.reused += 1
                return entry.value
            value = compute(now)
            self._entry = _Entry(value, self._monotonic(), now, version)
            self.computed += 1
            return value

    def _fresh(self, entry: _Entry[T], now: datetime, version: int) -> bool:
        if self.ttl_s <= 0 or self._monotonic() - entry.at_monotonic >= self.ttl_s:
            return False
        moved = now - entry.at_clock
        if moved < timedelta(0) or moved >= timedelta(seconds=self.ttl_s):
            return False
        return moved > timedelta(0) or version == entry.version
