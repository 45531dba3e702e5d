"""What every streaming detector offers: learn, score, pause, save and restore."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Protocol, Self

from pabrik.model.states import StateClass

Timestamp = float | datetime | None
State = dict[str, Any]
# Points after a restart that are learnt but not scored: a machine's ramp-up is no anomaly.
RESTART_SETTLE = 10


def detecting(state: StateClass) -> bool:
    """Whether detection runs in ``state``: only while the machine runs."""
    return state is StateClass.RUNNING


class Detector(Protocol):
    """A streaming detector; ``score_one`` reads, ``learn_one`` updates, scores are in [0, 1]."""

    def score_one(self, value: float, timestamp: Timestamp = None) -> float:
        """How anomalous ``value`` is, given what was learnt so far (state is not changed)."""
        ...

    def learn_one(self, value: float, timestamp: Timestamp = None) -> None:
        """Learn ``value`` as the next point of the stream."""
        ...

    def pause(self) -> None:
        """Stop learning and scoring (the machine is not running)."""
        ...

    def resume(self, settle: int = 0) -> None:
        """Learn and score again; the first ``settle`` points are learnt but score 0."""
        ...

    def process_one(self, value: float, timestamp: Timestamp = None) -> float:
        """Score then learn one point."""
        ...

    def to_dict(self) -> State:
        """The whole state as JSON-ready data."""
        ...


class Pausable:
    """Pause and resume bookkeeping shared by the detectors."""

    paused: bool = False
    settling: int = 0

    def pause(self) -> None:
        """Stop learning and scoring until :meth:`resume`."""
        self.paused = True

    def resume(self, settle: int = 0) -> None:
        """Learn and score again, scoring 0 for the first ``settle`` points learnt."""
        self.paused = False
        self.settling = max(0, settle)
        self.forget_context()

    def follow(self, state: StateClass, settle: int = RESTART_SETTLE) -> None:
        """Pause when the machine leaves running; resume (settling) when it runs again."""
        if detecting(state) and self.paused:
            self.resume(settle)
        elif not detecting(state) and not self.paused:
            self.pause()

    def forget_context(self) -> None:
        """Drop the short-term context, so a stop's gap is not read as a jump."""

    def score_one(self, value: float, timestamp: Timestamp = None) -> float:
        """How anomalous ``value`` is, given what was learnt so far."""
        raise NotImplementedError

    def learn_one(self, value: float, timestamp: Timestamp = None) -> None:
        """Learn ``value`` as the next point of the stream."""
        raise NotImplementedError

    def process_one(self, value: float, timestamp: Timestamp = None) -> float:
        """Score then learn one point: what a stream does with each new value."""
        score = self.score_one(value, timestamp)
        self.learn_one(value, timestamp)
        return score

    def to_bytes(self) -> bytes:
        """The state as UTF-8 JSON, to keep with a store checkpoint."""
        return json.dumps(self.to_dict(), separators=(",", ":")).encode()

    def to_dict(self) -> State:
        """The whole state as JSON-ready data."""
        raise NotImplementedError

    @classmethod
    def from_bytes(cls, data: bytes) -> Self:
        """A detector restored from :meth:`to_bytes`."""
        return cls.from_dict(json.loads(data))

    @classmethod
    def from_dict(cls, state: State) -> Self:
        """A detector restored from :meth:`to_dict`."""
        raise NotImplementedError
