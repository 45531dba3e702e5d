"""Reuse of computed views for a few seconds, so many dashboards cost one computation."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Generic, TypeVar

T = TypeVar("T")
MAX_KEYS = 512
"""Views kept at once; beyond it the oldest are dropped (bounded memory)."""


@dataclass(frozen=True, slots=True)
class _Entry(Generic[T]):
    value: T
    at_monotonic: float
    at_clock: datetime
    version: int


class Reuse(Generic[T]):
    """Views by key, each reused while the clock has moved less than ``ttl_s`` since computed.

    A write with the clock standing still (a frozen test clock, or a burst inside one tick)
    always recomputes: asking again for the same instant after new data means new figures.
    One thread computes a key at a time; the others wait for it and take its result.
    """

    def __init__(self, ttl_s: float, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s = ttl_s
        self._monotonic = monotonic
        self._entries: dict[Hashable, _Entry[T]] = {}
        self._locks: dict[Hashable, threading.Lock] = {}
        self._guard = threading.Lock()
        self.computed = 0
        self.reused = 0

    def get(
        self, key: Hashable, now: datetime, version: int, compute: Callable[[datetime], T]
    ) -> T:
        """The view of ``key`` at ``now``, or a recent one; ``version`` counts writes so far."""
        if self.ttl_s <= 0:
            self.computed += 1
            return compute(now)
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            entry = self._entries.get(key)
            if entry is not None and self._fresh(entry, now, version):
                self.reused += 1
                return entry.value
            value = compute(now)
            with self._guard:
                if len(self._entries) >= MAX_KEYS:
                    self._drop_oldest()
                self._entries[key] = _Entry(value, self._monotonic(), now, version)
            self.computed += 1
            return value

    def _drop_oldest(self) -> None:
        for key in sorted(self._entries, key=lambda k: self._entries[k].at_monotonic)[
            : MAX_KEYS // 4
        ]:
            del self._entries[key]
            self._locks.pop(key, None)

    def _fresh(self, entry: _Entry[T], now: datetime, version: int) -> bool:
        if self._monotonic() - entry.at_monotonic >= self.ttl_s:
            return False
        moved = now - entry.at_clock
        if moved < timedelta(0) or moved >= timedelta(seconds=self.ttl_s):
            return False
        return moved > timedelta(0) or version == entry.version
