"""One detector per machine over several signals: each signal alone, and their relation."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from pabrik.anomaly.default import ContextDetector
from pabrik.anomaly.detector import RESTART_SETTLE, Pausable, State, Timestamp, detecting
from pabrik.anomaly.joint import JointDetector
from pabrik.anomaly.registry import restore
from pabrik.model.states import StateClass

JOINT = "(joint)"  # the key of the correlation-break score in ``explain_one``


class MachineDetector:
    """A machine's anomaly score: the highest of its signals' scores and their joint score.

    Values come as a mapping of signal id to value; a signal missing from one call is simply
    not learnt or scored that time (signals arrive at their own pace), and the joint part
    (:class:`JointDetector`, two signals or more) reads only complete readings.
    ``explain_one`` says what drove the score. Pausing pauses it all: a stopped machine is no
    anomaly.
    """

    name = "machine"

    def __init__(
        self, signals: Sequence[str], make: Callable[[], Pausable] = ContextDetector
    ) -> None:
        self.detectors: dict[str, Pausable] = {signal: make() for signal in signals}
        self.joint = JointDetector(signals) if len(signals) > 1 else None
        self.paused = False

    def explain_one(
        self, values: Mapping[str, float], timestamp: Timestamp = None
    ) -> dict[str, float]:
        """Each known signal's score for this reading, and the joint score under ``JOINT``."""
        parts = {
            signal: det.score_one(values[signal], timestamp)
            for signal, det in self.detectors.items()
            if signal in values
        }
        joint = self.joint
        if joint is not None and not self.paused and all(s in values for s in joint.signals):
            parts[JOINT] = joint.score_one(values)
        return parts

    def score_one(self, values: Mapping[str, float], timestamp: Timestamp = None) -> float:
        """The machine's score: its most anomalous signal's, in [0, 1]."""
        return max(self.explain_one(values, timestamp).values(), default=0.0)

    def learn_one(self, values: Mapping[str, float], timestamp: Timestamp = None) -> None:
        """Learn each known signal's value, and the reading as a whole when it is complete."""
        for signal, det in self.detectors.items():
            if signal in values:
                det.learn_one(values[signal], timestamp)
        if self.joint is not None and not self.paused:
            self.joint.learn_one(values)

    def process_one(self, values: Mapping[str, float], timestamp: Timestamp = None) -> float:
        """Score then learn one reading of the machine."""
        scores = [
            det.process_one(values[signal], timestamp)
            for signal, det in self.detectors.items()
            if signal in values
        ]
        if self.joint is not None and not self.paused:
            scores.append(self.joint.score_one(values))
            self.joint.learn_one(values)
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

    def follow(self, state: StateClass, settle: int = RESTART_SETTLE) -> None:
        """Pause when the machine leaves running; resume (settling) when it runs again."""
        if detecting(state) and self.paused:
            self.resume(settle)
        elif not detecting(state) and not self.paused:
            self.pause()

    def to_dict(self) -> State:
        """Every signal's state, as JSON-ready data."""
        return {
            "kind": self.name,
            "paused": self.paused,
            "signals": {signal: det.to_dict() for signal, det in self.detectors.items()},
            "joint": None if self.joint is None else self.joint.to_dict(),
        }

    @classmethod
    def from_dict(cls, state: State) -> MachineDetector:
        """A machine detector restored from :meth:`to_dict`."""
        det = cls([])
        det.detectors = {signal: restore(sub) for signal, sub in state["signals"].items()}
        det.paused = bool(state["paused"])
        joint = state.get("joint")
        det.joint = None if joint is None else JointDetector.from_dict(joint)
        return det
