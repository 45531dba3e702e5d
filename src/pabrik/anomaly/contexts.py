"""Counts of short runs of quantised levels: how often each recent pattern has been seen."""

from __future__ import annotations

from pabrik.anomaly.detector import State

NO_KEY = -1


class Contexts:
    """The last ``length - 1`` levels as the digits of one integer, and counts per context.

    A context is those levels followed by the current one. At most ``cap`` contexts are
    kept: past that, every count is halved and the contexts seen once are forgotten, so
    memory stays bounded and old habits fade.
    """

    def __init__(self, length: int, levels: int, cap: int) -> None:
        self.length = length
        self.base = levels + 3  # levels -1 .. levels + 1, shifted to 0 ..
        self.span = self.base ** (length - 1)
        self.cap = cap
        self.prefix = 0
        self.filled = 0  # levels in ``prefix`` so far
        self.counts: dict[int, int] = {}

    def key(self, level: int) -> int:
        """The context ending in ``level``, or ``NO_KEY`` while too few levels are known."""
        return self.prefix * self.base + level if self.filled == self.length - 1 else NO_KEY

    def novelty(self, key: int) -> float:
        """1 for a context never seen, falling as ``1 / (1 + count)``."""
        return 1.0 / (1.0 + self.counts.get(key, 0))

    def learn(self, key: int, level: int) -> None:
        """Count the context ``key`` (if any) and move on by ``level``."""
        if key != NO_KEY:
            self.counts[key] = self.counts.get(key, 0) + 1
            if len(self.counts) > self.cap:
                self.counts = {k: c // 2 for k, c in self.counts.items() if c > 1}
        self.prefix = (self.prefix * self.base + level) % self.span
        if self.filled < self.length - 1:
            self.filled += 1

    def forget(self) -> None:
        """Forget the last levels (the counts stay)."""
        self.prefix = 0
        self.filled = 0

    def to_dict(self) -> State:
        """The state as JSON-ready data."""
        return {
            "prefix": self.prefix,
            "filled": self.filled,
            # Two flat lists, not a pair per context: a checkpoint is written with every
            # batch, and a thousand small lists made it the ingest worker's largest cost.
            "keys": list(self.counts),
            "counts": list(self.counts.values()),
        }

    def load(self, state: State) -> None:
        """Take the state of :meth:`to_dict` (or of its older form, a pair per context)."""
        self.prefix, self.filled = int(state["prefix"]), int(state["filled"])
        if "keys" in state:
            self.counts = dict(zip(map(int, state["keys"]), map(int, state["counts"]), strict=True))
        else:
            self.counts = {int(k): int(c) for k, c in state["counts"]}
