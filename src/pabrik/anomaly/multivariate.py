"""One detector per machine over several signals: a detector per signal, read together."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from pabrik.anomaly.default import ContextDetector
from pabrik.anomaly.detector import Pausable, State, Timestamp
from pabrik.anomaly.registry import restore


class MachineDetector:
    """A machine's anomaly score: the highest of its signals' scores, each signal learnt alone.

    Values come as a mapping of signal id to value; a signal missing from one call is simply
    not learnt or scored that time (signals arrive at their own pace). ``explain_one`` says
    which signal drove the score. Pausing pauses every signal: a stopped machine is no anomaly.
    """

    name = "machine"

    def __init__(
        self, signals: Sequence[str], make: Callable[[], Pausable] = ContextDetector
    ) -> None:
        self.detectors: dict[str, Pausable] = {signal: make() for signal in signals}
        self.paused = False

    def explain_one(
        self, values: Mapping[str, float], timestamp: Timestamp = None
    ) -> dict[str, float]:
        """Each known signal's score for this reading."""
        return {
            signal: det.score_one(values[signal], timestamp)
            for signal, det in self.detectors.items()
            if signal in values
        }

    def score_one(self, values: Mapping[str, float], timestamp: Timestamp = None) -> float:
        """The machine's score: its most anomalous signal's, in [0, 1]."""
        return max(self.explain_one(values, timestamp).values(), default=0.0)

    def learn_one(self, values: Mapping[str, float], timestamp: Timestamp = None) -> None:
        """Learn each known signal's value."""
        for signal, det in self.detectors.items():
            if signal in values:
                det.learn_one(values[signal], timestamp)

    def process_one(self, values: Mapping[str, float], timestamp: Timestamp = None) -> float:
        """Score then learn one reading of the machine."""
        scores = [
            det.process_one(values[signal], timestamp)
            for signal, det in self.detectors.items()
            if signal in values
        ]
        return max(scores, default=0.0)

    def pause(self) -> None:
        """Stop learning and scoring every signal (the machine is not running)."""
        self.paused = True
        for det in self.detectors.values():
            det.pause()

    def resume(self, settle: int = 0) -> None:
        """Learn and score again; each signal's first ``settle`` points score 0."""
        self.paused = False
        for det in self.detectors.values():
            det.resume(settle)

    def to_dict(self) -> State:
        """Every signal's state, as JSON-ready data."""
        return {
            "kind": self.name,
            "paused": self.paused,
            "signals": {signal: det.to_dict() for signal, det in self.detectors.items()},
        }

    @classmethod
    def from_dict(cls, state: State) -> MachineDetector:
        """A machine detector restored from :meth:`to_dict`."""
        det = cls([])
        det.detectors = {signal: restore(sub) for signal, sub in state["signals"].items()}
        det.paused = bool(state["paused"])
        return det
