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
STALE_TTLS = 3
"""While one request recomputes a view, others get the previous one up to this many TTLs old."""


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
    One thread computes a key at a time. The others take the previous view while it is less
    than ``STALE_TTLS`` TTLs old and the clock has moved forward (a dashboard refresh then
    never queues behind the recomputation); otherwise they wait for it and take its result.
    """

    def __init__(self, ttl_s: float, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s = ttl_s
        self._monotonic = monotonic
        self._entries: dict[Hashable, _Entry[T]] = {}
        self._locks: dict[Hashable, threading.Lock] = {}
        self._guard = threading.Lock()
        self.computed = 0
        self.reused = 0
        self.stale = 0
        self._swept_at = monotonic()

    def __len__(self) -> int:
        """Keys held (each with its view, its lock, or both)."""
        with self._guard:
            return len(self._entries.keys() | self._locks.keys())

    def get(
        self, key: Hashable, now: datetime, version: int, compute: Callable[[datetime], T]
    ) -> T:
        """The view of ``key`` at ``now``, or a recent one; ``version`` counts writes so far."""
        if self.ttl_s <= 0:
            self.computed += 1
            return compute(now)
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
            entry = self._entries.get(key)
        if entry is not None and not lock.acquire(blocking=False):
            if self._fresh(entry, now, version, STALE_TTLS):
                self.stale += 1
                return entry.value
            lock.acquire()
        elif entry is None:
            lock.acquire()
        try:
            entry = self._entries.get(key)
            if entry is not None and self._fresh(entry, now, version):
                self.reused += 1
                return entry.value
            value = compute(now)
            with self._guard:
                self._forget_expired()
                if len(self._entries) >= MAX_KEYS:
                    self._drop_oldest()
                self._entries[key] = _Entry(value, self._monotonic(), now, version)
            self.computed += 1
            return value
        finally:
            lock.release()

    def _forget_expired(self) -> None:
        """Drop views too old to be served even stale (at most once a TTL; under the guard).

        Keys of past windows (the last shift, yesterday) are never asked again, so without
        this they would stay until MAX_KEYS is reached, hours or days later.
        """
        now = self._monotonic()
        if now - self._swept_at < self.ttl_s:
            return
        self._swept_at = now
        limit = self.ttl_s * STALE_TTLS
        for key in [k for k, e in self._entries.items() if now - e.at_monotonic >= limit]:
            del self._entries[key]
            lock = self._locks.get(key)
            if lock is not None and not lock.locked():
                del self._locks[key]

    def _drop_oldest(self) -> None:
        for key in sorted(self._entries, key=lambda k: self._entries[k].at_monotonic)[
            : MAX_KEYS // 4
        ]:
            del self._entries[key]
            self._locks.pop(key, None)

    def _fresh(self, entry: _Entry[T], now: datetime, version: int, ttls: int = 1) -> bool:
        limit = self.ttl_s * ttls
        if self._monotonic() - entry.at_monotonic >= limit:
            return False
        moved = now - entry.at_clock
        if moved < timedelta(0) or moved >= timedelta(seconds=limit):
            return False
        return moved > timedelta(0) or version == entry.version
