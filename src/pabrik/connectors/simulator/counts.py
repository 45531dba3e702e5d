"""Production counts: delta good and scrap units per period, from a machine's timeline."""

from __future__ import annotations

import math
import random
from collections.abc import Iterator

from pabrik.connectors.simulator.timeline import Timeline
from pabrik.model.site import Machine

# Above this many expected rejects the normal approximation is close and far cheaper.
_EXACT_BINOMIAL_MEAN = 30.0


def binomial(rng: random.Random, n: int, p: float) -> int:
    """A binomial draw: by inverting the CDF when small, by a normal approximation when large."""
    if n <= 0 or p <= 0:
        return 0
    if p >= 1:
        return n
    mean = n * p
    if mean > _EXACT_BINOMIAL_MEAN:
        return min(n, max(0, round(rng.gauss(mean, math.sqrt(mean * (1 - p))))))
    u, k = rng.random(), 0
    pk = (1 - p) ** n
    cdf = pk
    while u > cdf and k < n:
        pk *= (n - k) / (k + 1) * p / (1 - p)
        k += 1
        cdf += pk
    return k


class CountMaker:
    """Turns running time into whole units, carrying the fractional unit between periods."""

    def __init__(self, machine: Machine, rng: random.Random, period_ms: int, start: int) -> None:
        self._cycle_ms = {p.id: float(p.ideal_cycle_time_s) * 1000 for p in machine.products}
        self._rng = rng
        self._period = period_ms
        # Ticks sit on whole multiples of the period, so timestamps read as round times.
        self._next = (start // period_ms + 1) * period_ms
        self.since = start
        self._carry = 0.0
        self._carry_product: str | None = None

    def until(self, timeline: Timeline, end: int) -> Iterator[tuple[int, str, int, int]]:
        """(ts, product, good, scrap) for each period ending before ``end`` with production."""
        while self._next < end:
            for ts, product, units, rejects in self._runs(timeline, self.since, self._next):
                yield ts, product, *self._whole(product, units, rejects)
            self.since = self._next
            self._next += self._period

    def _runs(
        self, timeline: Timeline, start: int, end: int
    ) -> list[tuple[int, str, float, float]]:
        """(ts, product, units, expected rejects) per product made in the period, in order.

        A product change inside a period closes the old product's count where the new one
        starts, so each count record names exactly one product.
        """
        runs: list[tuple[int, str, float, float]] = []
        for seg, ms in timeline.between(start, end):
            if seg.speed <= 0:
                continue
            made = ms * seg.speed / self._cycle_ms[seg.product_id]
            if runs and runs[-1][1] == seg.product_id:
                _, product, units, rejects = runs[-1]
                runs[-1] = (end, product, units + made, rejects + made * seg.scrap)
            else:
                if runs:
                    runs[-1] = (seg.start, *runs[-1][1:])
                runs.append((end, seg.product_id, made, made * seg.scrap))
        return runs

    def _whole(self, product: str, units: float, rejects: float) -> tuple[int, int]:
        """Good and scrap whole units, carrying the fraction to the product's next count."""
        if product != self._carry_product:
            # A half-made unit of the previous product never completes.
            self._carry, self._carry_product = 0.0, product
        total = self._carry + units
        whole = math.floor(total)
        self._carry = total - whole
        scrap = binomial(self._rng, whole, rejects / units if units else 0.0)
        return whole - scrap, scrap
