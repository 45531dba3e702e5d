"""One detector watching one signal of one machine, fed one mean reading per detection period.

A watch sums each good sample into its open period, ``(end - period, end]``, and hands the
detector the period's mean, stamped at ``end``, once the period is over: when a later sample
arrives, when every watched signal has a sample at ``end`` itself (so a signal sampled on whole
seconds is scored as it arrives), or when the machine's state changes. Its state is saved in
two store checkpoints: the detector's (large, written only when it learnt) and the open
period's (small, written whenever a sample was taken), both in the batch's transaction.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pabrik.anomaly.detector import Pausable
from pabrik.anomaly.multivariate import MachineDetector
from pabrik.anomaly.registry import restore

NEVER = -(2**62)
DEFAULT_PERIOD_MS = 1000

Reading = tuple[int, dict[str, float]]
"""A closed period: its end in epoch ms and each signal's mean over it."""


@dataclass(slots=True)
class Watch:
    """One detector scoring one signal of one machine (with more signals, per machine)."""

    machine_id: str
    signal_id: str
    detector: Pausable | MachineDetector
    signals: frozenset[str]
    make: Callable[[], Pausable | MachineDetector] = field(repr=False)
    period_ms: int = DEFAULT_PERIOD_MS
    last: dict[str, int] = field(default_factory=dict)
    """The newest sample taken of each signal: anything no newer is skipped."""
    end: int | None = None  # the open period's end, or None when no period is open
    done: int = NEVER  # the end of the last period closed
    sums: dict[str, float] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    loaded: bool = False
    learnt: bool = False  # the detector changed since it was last saved
    taken: bool = False  # the open period changed since it was last saved

    @property
    def checkpoint(self) -> str:
        """The checkpoint name the detector's state is saved under."""
        return f"anomaly:{self.machine_id}:{self.signal_id}"

    @property
    def open_checkpoint(self) -> str:
        """The checkpoint name the open period (and the newest samples taken) is saved under."""
        return f"{self.checkpoint}:open"

    def take(self, ts: int, signal_id: str, value: float) -> Reading | None:
        """Add one good sample to its period; the period it closed, if any."""
        if signal_id not in self.signals or ts <= self.last.get(signal_id, NEVER):
            return None
        period = self.period_ms
        end = -(-ts // period) * period
        closed = None
        if self.end is None:
            if end < self.done:
                return None  # its period is over: a sample this late is not learnt
            self.end = end
        elif end < self.end:
            return None
        elif end > self.end:
            closed = self.close()
            self.end = end
        self.last[signal_id] = ts
        self.sums[signal_id] = self.sums.get(signal_id, 0.0) + value
        self.counts[signal_id] = self.counts.get(signal_id, 0) + 1
        self.taken = True
        if closed is None and ts == end and all(self.last.get(s) == end for s in self.signals):
            closed = self.close()  # nothing newer than ``end`` can still join this period
        return closed

    def close(self) -> Reading | None:
        """Close the open period; its mean reading, or None if no period was open."""
        if self.end is None:
            return None
        reading = {s: total / self.counts[s] for s, total in self.sums.items()}
        end = self.end
        self.done, self.end = end, None
        self.sums, self.counts = {}, {}
        self.taken = True
        return end, reading

    def saves(self) -> dict[str, str]:
        """The checkpoints to write with the batch: only what changed since the last save."""
        out: dict[str, str] = {}
        if self.learnt:
            out[self.checkpoint] = json.dumps({"detector": self.detector.to_dict()})
        if self.learnt or self.taken:
            out[self.open_checkpoint] = json.dumps(
                {
                    "last": self.last,
                    "end": self.end,
                    "done": self.done,
                    "sums": self.sums,
                    "counts": self.counts,
                }
            )
        self.learnt = self.taken = False
        return out

    def load(self, saved: str | None, open_period: str | None) -> None:
        """Take the saved state, or start afresh without one."""
        self.last, self.end, self.done, self.sums, self.counts = {}, None, NEVER, {}, {}
        self.learnt = self.taken = False
        self.loaded = True
        if saved is None:
            self.detector = self.make()
            return
        data = json.loads(saved)
        self.detector = _restore(data["detector"])
        if "last_ms" in data:  # saved before detection periods: every sample was learnt
            self.done = int(data["last_ms"])
            self.last = dict.fromkeys(self.signals, self.done)
        if open_period is not None:
            self._load_open(json.loads(open_period))

    def _load_open(self, data: dict[str, Any]) -> None:
        self.last = {s: int(ts) for s, ts in data["last"].items()}
        self.end = None if data["end"] is None else int(data["end"])
        self.done = int(data["done"])
        self.sums = {s: float(v) for s, v in data["sums"].items()}
        self.counts = {s: int(n) for s, n in data["counts"].items()}


def _restore(saved: dict[str, Any]) -> Pausable | MachineDetector:
    if saved["kind"] == MachineDetector.name:
        return MachineDetector.from_dict(saved)
    return restore(saved)
