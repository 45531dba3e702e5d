"""A computed view is reused while the clock moves less than the TTL."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from pabrik.runtime.kpi.reuse import Refresher, Reuse

T0 = datetime(2026, 12, 4, 3, 0, tzinfo=UTC)


class Ticks:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _reuse(ttl: float = 5.0) -> tuple[Reuse[datetime], Ticks]:
    """A reuse without a background refresher: the request that finds a view expired computes."""
    ticks = Ticks()
    return Reuse(ttl, ticks, refresher=None), ticks


def test_reused_while_the_clock_moves_less_than_the_ttl() -> None:
    reuse, ticks = _reuse()
    first = reuse.get("k", T0, 1, lambda at: at)
    ticks.now += 2
    again = reuse.get("k", T0 + timedelta(seconds=2), 7, lambda at: at)
    assert (first, again) == (T0, T0)
    assert (reuse.computed, reuse.reused) == (1, 1)


def test_recomputed_once_the_ttl_has_passed() -> None:
    reuse, ticks = _reuse()
    reuse.get("k", T0, 1, lambda at: at)
    ticks.now += 5
    assert reuse.get("k", T0 + timedelta(seconds=5), 1, lambda at: at) == T0 + timedelta(seconds=5)


def test_a_write_at_a_standing_clock_recomputes() -> None:
    reuse, _ = _reuse()
    reuse.get("k", T0, 1, lambda at: at)
    assert reuse.get("k", T0, 1, lambda at: at) == T0
    assert reuse.computed == 1
    reuse.get("k", T0, 2, lambda at: at)
    assert reuse.computed == 2


def test_a_clock_that_goes_back_recomputes() -> None:
    reuse, _ = _reuse()
    reuse.get("k", T0, 1, lambda at: at)
    earlier = T0 - timedelta(seconds=1)
    assert reuse.get("k", earlier, 1, lambda at: at) == earlier


def test_keys_are_reused_apart() -> None:
    reuse, _ = _reuse()
    reuse.get("a", T0, 1, lambda at: at)
    reuse.get("b", T0, 1, lambda at: at)
    reuse.get("a", T0, 1, lambda at: at)
    assert (reuse.computed, reuse.reused) == (2, 1)


def test_zero_ttl_never_reuses() -> None:
    reuse, _ = _reuse(0)
    for _ in range(3):
        reuse.get("k", T0, 1, lambda at: at)
    assert (reuse.computed, reuse.reused) == (3, 0)


def _computing(reuse: Reuse[datetime], at: datetime) -> tuple[threading.Thread, threading.Event]:
    """A thread that recomputes ``k`` at ``at`` and holds it until the event is set."""
    started, release = threading.Event(), threading.Event()

    def slow(when: datetime) -> datetime:
        started.set()
        release.wait()
        return when

    thread = threading.Thread(target=reuse.get, args=("k", at, 1, slow))
    thread.start()
    started.wait()
    return thread, release


def test_while_another_request_recomputes_the_previous_view_is_served() -> None:
    reuse, ticks = _reuse()
    reuse.get("k", T0, 1, lambda at: at)
    ticks.now += 6
    later = T0 + timedelta(seconds=6)
    thread, release = _computing(reuse, later)
    try:
        assert reuse.get("k", later, 1, lambda at: at) == T0
    finally:
        release.set()
        thread.join()
    assert reuse.get("k", later, 1, lambda at: at) == later
    assert (reuse.computed, reuse.stale) == (2, 1)


def test_a_view_too_old_waits_for_the_recomputation() -> None:
    reuse, ticks = _reuse()
    reuse.get("k", T0, 1, lambda at: at)
    ticks.now += 16
    later = T0 + timedelta(seconds=16)
    thread, release = _computing(reuse, later)
    waiting = threading.Thread(target=lambda: reuse.get("k", later, 1, lambda at: at))
    waiting.start()
    waiting.join(timeout=0.2)
    assert waiting.is_alive()  # it waits for the running recomputation
    release.set()
    thread.join()
    waiting.join()
    assert reuse.stale == 0


def test_views_of_keys_no_longer_asked_are_dropped_within_a_few_ttls() -> None:
    # 1,000 windows asked once each, one a second (past shifts and days are never asked again):
    # only those of the last three TTLs (15 s) plus one sweep interval (5 s) may be held.
    reuse, ticks = _reuse(ttl=5.0)
    for k in range(1000):
        reuse.get(("window", k), T0 + timedelta(seconds=k), 1, lambda at: at)
        ticks.now += 1
    assert len(reuse) <= 15 + 5 + 1
    assert reuse.computed == 1000


def _refreshed(limit: int = 8) -> tuple[Reuse[datetime], Ticks, Refresher]:
    ticks, refresher = Ticks(), Refresher(limit)
    return Reuse(5.0, ticks, refresher), ticks, refresher


def _blocking() -> tuple[threading.Event, threading.Event, Callable[[datetime], datetime]]:
    """A computation that says it started and holds until released."""
    started, release = threading.Event(), threading.Event()

    def slow(when: datetime) -> datetime:
        started.set()
        release.wait()
        return when

    return started, release, slow


def test_an_expired_view_is_served_while_the_refresher_recomputes_it() -> None:
    reuse, ticks, refresher = _refreshed()
    reuse.get("k", T0, 1, lambda at: at)
    ticks.now += 6
    later = T0 + timedelta(seconds=6)
    started, release, slow = _blocking()
    # The request that finds it expired does not wait for the (held) recomputation.
    assert reuse.get("k", later, 1, slow) == T0
    started.wait()
    assert reuse.get("k", later, 1, slow) == T0
    release.set()
    assert refresher.drain(timeout=30)
    assert reuse.get("k", later, 1, lambda at: at) == later
    assert (reuse.computed, reuse.stale, refresher.done) == (2, 2, 1)


def test_a_write_at_a_standing_clock_recomputes_in_the_request_with_a_refresher() -> None:
    reuse, ticks, refresher = _refreshed()
    reuse.get("k", T0, 1, lambda at: at)
    ticks.now += 6
    assert reuse.get("k", T0, 2, lambda at: at + timedelta(hours=1)) == T0 + timedelta(hours=1)
    assert refresher.done == 0


def test_a_clock_jumped_ahead_without_real_time_passing_computes_in_the_request() -> None:
    reuse, _, refresher = _refreshed()
    reuse.get("k", T0, 1, lambda at: at)
    later = T0 + timedelta(seconds=6)
    assert reuse.get("k", later, 1, lambda at: at) == later
    assert refresher.done == 0


def test_a_view_too_old_is_computed_in_the_request_with_a_refresher() -> None:
    reuse, ticks, refresher = _refreshed()
    reuse.get("k", T0, 1, lambda at: at)
    ticks.now += 16
    later = T0 + timedelta(seconds=16)
    assert reuse.get("k", later, 1, lambda at: at) == later
    assert refresher.done == 0


def test_a_full_refresher_leaves_the_recomputation_to_the_request() -> None:
    reuse, ticks, refresher = _refreshed(limit=1)
    for key in ("a", "b"):
        reuse.get(key, T0, 1, lambda at: at)
    ticks.now += 6
    later = T0 + timedelta(seconds=6)
    started, release, slow = _blocking()
    assert reuse.get("a", later, 1, slow) == T0
    started.wait()
    try:
        # One key waits for the refresher already: the next expired key computes here.
        assert reuse.get("b", later, 1, lambda at: at) == later
    finally:
        release.set()
    assert refresher.drain(timeout=30)
    assert reuse.get("a", later, 1, lambda at: at) == later


def test_a_key_waiting_for_the_refresher_is_queued_once() -> None:
    reuse, ticks, refresher = _refreshed()
    reuse.get("k", T0, 1, lambda at: at)
    ticks.now += 6
    later = T0 + timedelta(seconds=6)
    _, release, slow = _blocking()
    for _ in range(5):
        assert reuse.get("k", later, 1, slow) == T0
    release.set()
    assert refresher.drain(timeout=30)
    assert refresher.done == 1


def test_a_slow_computation_is_aged_from_its_start_and_refreshed_in_the_background() -> None:
    # Under load a view may take seconds: both clocks age it from the instant it was asked at.
    reuse, ticks, refresher = _refreshed()

    def slow(at: datetime) -> datetime:
        ticks.now += 6
        return at

    reuse.get("k", T0, 1, slow)
    ticks.now += 1
    later = T0 + timedelta(seconds=7)
    assert reuse.get("k", later, 1, lambda at: at) == T0
    assert refresher.drain(timeout=30)
    assert reuse.get("k", later, 1, lambda at: at) == later


def test_a_view_whose_refresh_waits_behind_others_is_served_older() -> None:
    reuse, ticks, refresher = _refreshed()
    for key in ("a", "b"):
        reuse.get(key, T0, 1, lambda at: at)
    ticks.now += 6
    later = T0 + timedelta(seconds=6)
    started, release, slow = _blocking()
    assert reuse.get("a", later, 1, slow) == T0
    started.wait()
    assert reuse.get("b", later, 1, lambda at: at) == T0  # queued behind "a"
    ticks.now += 14  # 20 s: past three TTLs, but its refresh is still queued
    much_later = T0 + timedelta(seconds=20)
    try:
        assert reuse.get("b", much_later, 1, lambda at: at) == T0
    finally:
        release.set()
    assert refresher.drain(timeout=30)
    assert reuse.get("b", much_later, 1, lambda at: at) == later


def test_renew_computes_even_when_a_view_is_kept_and_leaves_it_for_the_next_get() -> None:
    ticks = Ticks()
    reuse: Reuse[tuple[datetime, str]] = Reuse(5.0, ticks, refresher=None)
    reuse.get("k", T0, 1, lambda at: (at, "polled"))
    ticks.now += 1
    later = T0 + timedelta(seconds=1)
    assert reuse.renew("k", later, 1, lambda at: (at, "opened")) == (later, "opened")
    ticks.now += 1
    kept = reuse.get("k", later + timedelta(seconds=1), 1, lambda at: (at, "polled"))
    assert kept == (later, "opened")
    assert reuse.computed == 2


def test_renew_does_not_replace_a_view_of_a_later_instant() -> None:
    reuse, _ = _reuse()
    later = T0 + timedelta(seconds=2)
    reuse.get("k", later, 1, lambda at: at)
    assert reuse.renew("k", T0, 1, lambda at: at) == T0
    assert reuse.get("k", later, 1, lambda at: at) == later
    assert reuse.computed == 2
