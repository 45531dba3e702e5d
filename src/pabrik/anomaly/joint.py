"""Correlation breaks: a machine's reading far from its signals' usual joint behaviour.

Signals that move together (load and motor current, heater power and temperature) can each
stay inside their normal range while their relation breaks. This part keeps a running mean
vector and covariance matrix of the machine's signals (numpy, ``k`` signals: ``k² + k``
floats) and scores the Mahalanobis distance of each complete reading, calibrated against
the machine's own history of distances like the default detector's raw score.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

import numpy as np

from pabrik.anomaly.detector import State
from pabrik.anomaly.nab import Floats


@dataclass(frozen=True)
class JointSettings:
    """Probation, the horizon of the running moments, and the histogram's bins."""

    probation: int = 150
    horizon: int = 2000
    bins: int = 100
    calibration: float = 0.8


class JointDetector:
    """Scores a complete reading of ``signals`` by its Mahalanobis distance, in [0, 1]."""

    def __init__(self, signals: Sequence[str], settings: JointSettings | None = None) -> None:
        self.settings = settings or JointSettings()
        self.signals = list(signals)
        k = len(self.signals)
        self.n = 0
        self.mean: Floats = np.zeros(k)
        self.cov: Floats = np.zeros((k, k))
        self.histogram = [0] * (self.settings.bins + 1)

    def _vector(self, values: Mapping[str, float]) -> Floats | None:
        if any(signal not in values for signal in self.signals):
            return None
        x = np.array([float(values[signal]) for signal in self.signals])
        return x if bool(np.isfinite(x).all()) else None

    def _raw(self, x: Floats) -> float:
        """The squared Mahalanobis distance squashed into [0, 1)."""
        k = len(self.signals)
        d = x - self.mean
        # A small ridge keeps a constant or perfectly correlated signal from making it singular.
        ridge = 1e-9 + 1e-6 * float(np.trace(self.cov)) / k
        m2 = float(d @ np.linalg.solve(self.cov + ridge * np.eye(k), d))
        return m2 / (m2 + 4.0 * k)

    def score_one(self, values: Mapping[str, float]) -> float:
        """The reading's score; 0 while learning or when a signal is missing."""
        x = self._vector(values)
        s = self.settings
        if x is None or self.n < s.probation or len(self.signals) < 2:
            return 0.0
        raw = self._raw(x)
        b = min(int(raw * s.bins), s.bins)
        tail = sum(self.histogram[b:]) / self.n
        return (1.0 - s.calibration) * raw + s.calibration * (1.0 - tail)

    def learn_one(self, values: Mapping[str, float]) -> None:
        """Learn a complete reading (an incomplete one is skipped)."""
        x = self._vector(values)
        if x is None or len(self.signals) < 2:
            return
        if self.n:
            raw = self._raw(x)
            self.histogram[min(int(raw * self.settings.bins), self.settings.bins)] += 1
        else:
            self.histogram[0] += 1
        self.n += 1
        a = 1.0 / min(self.n, self.settings.horizon)
        d = x - self.mean
        self.mean = self.mean + a * d
        self.cov = (1.0 - a) * (self.cov + a * np.outer(d, d))

    def to_dict(self) -> State:
        """The whole state as JSON-ready data."""
        return {
            "settings": asdict(self.settings),
            "signals": self.signals,
            "n": self.n,
            "mean": self.mean.tolist(),
            "cov": self.cov.tolist(),
            "histogram": list(self.histogram),
        }

    @classmethod
    def from_dict(cls, state: State) -> JointDetector:
        """A joint detector restored from :meth:`to_dict`."""
        det = cls(state["signals"], JointSettings(**state["settings"]))
        det.n = int(state["n"])
        det.mean = np.array(state["mean"], dtype=np.float64)
        det.cov = np.array(state["cov"], dtype=np.float64).reshape(len(det.signals), -1)
        det.histogram = [int(c) for c in state["histogram"]]
        return det
