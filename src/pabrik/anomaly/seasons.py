"""A signal's daily profile: its usual level and spread at each time of day.

The day (UTC) is cut into ``buckets`` equal slots, and each slot keeps a running mean and
variance of the values seen in it. A value far from its slot's usual level, in the slot's own
standard deviation, breaks the daily pattern even when it stays inside the signal's normal
range (a missing daily peak, a flat stretch where the day usually moves). The profile speaks
only where the time of day explains the signal: while the slots' variance is at least
``share`` of the signal's whole variance, it stays silent.
"""

from __future__ import annotations

import math

from pabrik.anomaly.detector import State

DAY = 86400.0
# The slot's variance is floored by this share of the signal's variance: a noise-free daily
# cycle has slots of variance 0, and a rounding error must not score as a broken pattern.
_FLOOR = 1e-4


class DailyProfile:
    """Running mean and variance per time-of-day slot, and how much of the signal they explain."""

    def __init__(self, buckets: int, least: int, horizon: int, share: float) -> None:
        self.buckets, self.least, self.horizon, self.share = buckets, least, horizon, share
        self.n = [0] * buckets
        self.mean = [0.0] * buckets
        self.var = [0.0] * buckets
        self.explained_n = 0
        self.unexplained = 1.0  # running mean of slot variance over the signal's variance

    def slot(self, t: float) -> int:
        """The slot of the instant ``t`` (seconds since the epoch)."""
        return int(t % DAY / DAY * self.buckets) % self.buckets

    def ready(self, slot: int) -> bool:
        """Whether ``slot`` has seen enough values to be read."""
        return self.n[slot] >= self.least

    def explains(self) -> bool:
        """Whether the time of day explains enough of the signal for the profile to speak."""
        return self.unexplained < self.share

    def distance(self, x: float, slot: int, var: float) -> float:
        """How far ``x`` lies from its slot's mean, in slot standard deviations.

        ``var`` is the signal's long-run variance (0 while unknown, and then so is this).
        """
        if var <= 0:
            return 0.0
        return abs(x - self.mean[slot]) / math.sqrt(self.var[slot] + _FLOOR * var)

    def learn(self, x: float, slot: int, var: float) -> None:
        """Learn ``x`` in ``slot``; ``var`` is the signal's long-run variance before ``x``."""
        ratio = self.var[slot] / var if var > 0 else math.nan
        if self.ready(slot) and math.isfinite(ratio):  # an overflowed variance teaches nothing
            self.explained_n += 1
            a = 1.0 / min(self.explained_n, 2000)
            self.unexplained += a * (min(ratio, 2.0) - self.unexplained)
        self.n[slot] += 1
        a = 1.0 / min(self.n[slot], self.horizon)
        d = x - self.mean[slot]
        self.mean[slot] += a * d
        self.var[slot] = (1.0 - a) * (self.var[slot] + a * d * d)

    def to_dict(self) -> State:
        """The state as JSON-ready data."""
        return {
            "n": list(self.n),
            "mean": list(self.mean),
            "var": list(self.var),
            "explained": [self.explained_n, self.unexplained],
        }

    def load(self, state: State) -> None:
        """Take the state of :meth:`to_dict` (of a profile with the same number of slots)."""
        self.n = [int(v) for v in state["n"]]
        self.mean = [float(v) for v in state["mean"]]
        self.var = [float(v) for v in state["var"]]
        self.explained_n = int(state["explained"][0])
        self.unexplained = float(state["explained"][1])
