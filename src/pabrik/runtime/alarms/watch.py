"""One detector watching one signal of one machine, fed one mean reading per detection period.

A watch sums each good sample into its open period, ``(end - period, end]``, and hands the
detector the period's mean, stamped at ``end``, once the period is over: when a later sample
arrives, when every watched signal has a sample at ``end`` itself (so a signal sampled on whole
seconds is scored as it arrives), or when the machine's state changes. Its state is saved in
two store checkpoints, both in the batch's transaction: the detector's (tens of KB of JSON) and
a small one with the open period and the log of what the detector was fed since its own was
saved (each period's reading, each state followed). The detector is saved once its log holds
``FULL_EVERY`` to ``2 * FULL_EVERY - 1`` entries (a fixed number per watch, so the machines'
saves do not all fall on one batch); loading restores it and replays the log, which gives the
same detector, as learning is deterministic.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pabrik.anomaly.detector import Pausable
from pabrik.anomaly.multivariate import MachineDetector
from pabrik.anomaly.registry import restore
from pabrik.model.states import StateClass

NEVER = -(2**62)
DEFAULT_PERIOD_MS = 1000
# Fed entries between two saves of a detector: saving 50 KB of JSON per period is what costs.
FULL_EVERY = 10

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
    log: list[list[Any]] = field(default_factory=list)
    """What the detector was fed since it was saved: ``[end, reading]`` or ``[ts, state]``."""
    loaded: bool = False
    taken: bool = False  # the open period or the log changed since they were last saved

    @property
    def full_every(self) -> int:
        """Log entries that make the detector be saved, from ``FULL_EVERY`` to twice that."""
        return FULL_EVERY + zlib.crc32(self.checkpoint.encode()) % FULL_EVERY

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
        last = self.last
        if ts <= last.get(signal_id, NEVER) or signal_id not in self.signals:
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
        last[signal_id] = ts
        sums, counts = self.sums, self.counts
        if signal_id in sums:
            sums[signal_id] += value
            counts[signal_id] += 1
        else:
            sums[signal_id], counts[signal_id] = value, 1
        self.taken = True
        if closed is None and ts == end and all(last.get(s) == end for s in self.signals):
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

    def learn(self, at: int, reading: dict[str, float]) -> float | None:
        """Score then learn one reading; None while paused (the detector is then unchanged)."""
        det = self.detector
        if det.paused:
            return None
        self.log.append([at, reading])
        self.taken = True
        if isinstance(det, MachineDetector):
            return det.process_one(reading, at / 1000.0)
        return det.process_one(reading[self.signal_id], at / 1000.0)

    def follow(self, ts: int, state: StateClass) -> None:
        """Pause or resume the detector with the machine's state."""
        self.log.append([ts, state.value])
        self.taken = True
        self.detector.follow(state)

    def saves(self) -> dict[str, str]:
        """The checkpoints to write with the batch: only what changed since the last save."""
        out: dict[str, str] = {}
        if len(self.log) >= self.full_every:
            out[self.checkpoint] = json.dumps({"detector": self.detector.to_dict()})
            self.log = []
        if self.taken:
            out[self.open_checkpoint] = json.dumps(
                {
                    "last": self.last,
                    "end": self.end,
                    "done": self.done,
                    "sums": self.sums,
                    "counts": self.counts,
                    "log": self.log,
                }
            )
        self.taken = False
        return out

    def load(self, saved: str | None, open_period: str | None) -> None:
        """Take the saved state, or start afresh without one."""
        self.last, self.end, self.done, self.sums, self.counts = {}, None, NEVER, {}, {}
        self.log, self.taken, self.loaded = [], False, True
        if saved is None:
            self.detector = self.make()
        else:
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
        for ts, fed in data["log"]:
            if isinstance(fed, str):
                self.follow(int(ts), StateClass(fed))
            else:
                self.learn(int(ts), {s: float(v) for s, v in fed.items()})
        self.taken = False


def _restore(saved: dict[str, Any]) -> Pausable | MachineDetector:
    if saved["kind"] == MachineDetector.name:
        return MachineDetector.from_dict(saved)
    return restore(saved)
