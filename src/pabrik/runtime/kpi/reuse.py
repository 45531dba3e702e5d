"""Reuse of computed views for a few seconds, so many dashboards cost one computation."""

from __future__ import annotations

import logging
import queue
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
QUEUED_TTLS = 12
"""A view whose refresh is queued behind others may be served up to this many TTLs old."""
MAX_PENDING = 64
"""Views waiting for the background refresher; past it a request recomputes its own."""

log = logging.getLogger(__name__)


class Refresher:
    """One daemon thread recomputing expired views, at most ``limit`` of them waiting.

    A request that finds its view expired gets the previous one and leaves the recomputation
    here, so the page path never waits for it; the thread starts on first use.
    """

    def __init__(self, limit: int = MAX_PENDING) -> None:
        self.limit = limit
        self._jobs: queue.Queue[tuple[Hashable, Callable[[], None]]] = queue.Queue()
        self._pending: set[Hashable] = set()
        self._guard = threading.Condition()
        self._thread: threading.Thread | None = None
        self.done = 0

    def submit(self, key: Hashable, job: Callable[[], None]) -> bool:
        """Queue ``job`` unless ``key`` is already waiting; False when the queue is full."""
        with self._guard:
            if key in self._pending:
                return True
            if len(self._pending) >= self.limit:
                return False
            self._pending.add(key)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="pabrik-view-refresh", daemon=True
                )
                self._thread.start()
        self._jobs.put((key, job))
        return True

    def waiting(self, key: Hashable) -> bool:
        """Whether ``key`` is queued or being recomputed."""
        with self._guard:
            return key in self._pending

    def drain(self, timeout: float | None = None) -> bool:
        """Wait until no job is waiting or running; False if ``timeout`` passed first."""
        with self._guard:
            return self._guard.wait_for(lambda: not self._pending, timeout)

    def _run(self) -> None:
        while True:
            key, job = self._jobs.get()
            try:
                job()
            except Exception:
                # A failed refresh leaves the old view; the next request past it computes.
                log.exception("background view refresh failed")
            finally:
                with self._guard:
                    self._pending.discard(key)
                    self.done += 1
                    self._guard.notify_all()


REFRESHER = Refresher()
"""The process's view refresher, shared by every ``Reuse`` (one thread, bounded work)."""


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
    A view expired less than ``STALE_TTLS`` TTLs ago (``QUEUED_TTLS`` while its refresh waits
    in the queue), with the clock moved forward, is served as it is while the ``refresher``
    recomputes it in the background (or, without one or with
    its queue full, while one request recomputes it and the others take it); otherwise the
    request computes, or waits for the computation running, and takes its result.
    """

    def __init__(
        self,
        ttl_s: float,
        monotonic: Callable[[], float] = time.monotonic,
        refresher: Refresher | None = REFRESHER,
    ) -> None:
        self.ttl_s = ttl_s
        self._monotonic = monotonic
        self._refresher = refresher
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
        if entry is not None and self._fresh(entry, now, version):
            self.reused += 1
            return entry.value
        if entry is not None and self._fresh(entry, now, version, self._stale_ttls(key)):
            if self._refresh_later(key, lock, now, version, compute):
                self.stale += 1
                return entry.value
            if not lock.acquire(blocking=False):
                self.stale += 1
                return entry.value
        else:
            lock.acquire()
        try:
            return self._compute(key, now, version, compute)
        finally:
            lock.release()

    def renew(
        self, key: Hashable, now: datetime, version: int, compute: Callable[[datetime], T]
    ) -> T:
        """A view of ``key`` computed now, kept for the next ``get`` unless a newer one is."""
        if self.ttl_s <= 0:
            self.computed += 1
            return compute(now)
        started = self._monotonic()
        value = compute(now)
        with self._guard:
            entry = self._entries.get(key)
            # A refresh that finished meanwhile for a later instant stays: it is the newer view.
            if entry is None or entry.at_clock <= now:
                self._keep(key, _Entry(value, started, now, version))
        self.computed += 1
        return value

    def _stale_ttls(self, key: Hashable) -> int:
        """How old a view may be served: older while its refresh waits behind others."""
        queued = self._refresher is not None and self._refresher.waiting((id(self), key))
        return QUEUED_TTLS if queued else STALE_TTLS

    def _refresh_later(
        self,
        key: Hashable,
        lock: threading.Lock,
        now: datetime,
        version: int,
        compute: Callable[[datetime], T],
    ) -> bool:
        """Leave the recomputation to the refresher; False when there is none or it is full."""
        entry = self._entries.get(key)
        if self._refresher is None or entry is None:
            return False
        # Only when both clocks moved on (a live process): a test clock jumped ahead, or held
        # still across real seconds, gets its view computed in the request, as it asks.
        aged = self._monotonic() - entry.at_monotonic >= self.ttl_s
        if not aged or now <= entry.at_clock:
            return False

        asked = self._monotonic()

        def job() -> None:
            # A request already recomputing it (or waiting to) makes this refresh needless.
            if lock.acquire(blocking=False):
                try:
                    self._compute(key, now, version, compute, asked)
                finally:
                    lock.release()

        return self._refresher.submit((id(self), key), job)

    def _compute(
        self,
        key: Hashable,
        now: datetime,
        version: int,
        compute: Callable[[datetime], T],
        asked: float | None = None,
    ) -> T:
        """Under the key's lock: the view, if another thread has just made it, or a new one."""
        entry = self._entries.get(key)
        if entry is not None and self._fresh(entry, now, version):
            self.reused += 1
            return entry.value
        # Aged from when it was asked for, as the clock ``now`` is: a slow or queued
        # computation must not come out looking younger by one clock than by the other.
        started = self._monotonic() if asked is None else asked
        value = compute(now)
        with self._guard:
            self._keep(key, _Entry(value, started, now, version))
        self.computed += 1
        return value

    def _keep(self, key: Hashable, entry: _Entry[T]) -> None:
        """Under the guard: hold ``entry`` for ``key``, within MAX_KEYS."""
        self._forget_expired()
        if len(self._entries) >= MAX_KEYS:
            self._drop_oldest()
        self._entries[key] = entry

    def _forget_expired(self) -> None:
        """Drop views too old to be served even stale (at most once a TTL; under the guard).

        Keys of past windows (the last shift, yesterday) are never asked again, so without
        this they would stay until MAX_KEYS is reached, hours or days later.
        """
        now = self._monotonic()
        if now - self._swept_at < self.ttl_s:
            return
        self._swept_at = now
        old = [
            k for k, e in self._entries.items() if now - e.at_monotonic >= self.ttl_s * STALE_TTLS
        ]
        for key in [k for k in old if now - self._entries[k].at_monotonic >= self._ttl_limit(k)]:
            del self._entries[key]
            lock = self._locks.get(key)
            if lock is not None and not lock.locked():
                del self._locks[key]

    def _ttl_limit(self, key: Hashable) -> float:
        return self.ttl_s * self._stale_ttls(key)

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
