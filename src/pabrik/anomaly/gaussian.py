"""A baseline: how rare each value is under a long-run Gaussian (NAB's windowed Gaussian kind)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from pabrik.anomaly.detector import Pausable, State, Timestamp


@dataclass(frozen=True)
class GaussianSettings:
    """Probation and the horizon of the running mean and variance."""

    probation: int = 150
    horizon: int = 2000


class GaussianDetector(Pausable):
    """Scores the rarity of a deviation under the running Gaussian, ``L / (1 + L)``.

    ``L = -log10 p`` with ``p`` the two-sided tail probability of ``|z|``; on the log scale a
    deviation of 8 standard deviations still scores below one of 9 (the probability itself
    rounds to 0 there, which would tie them).
    """

    name = "gaussian"

    def __init__(self, settings: GaussianSettings | None = None) -> None:
        self.settings = settings or GaussianSettings()
        self.n = 0
        self.mean = 0.0
        self.var = 0.0

    def score_one(self, value: float, timestamp: Timestamp = None) -> float:
        """How unlikely ``value`` is under the running Gaussian, in [0, 1]."""
        x = float(value)
        if self.paused or self.settling or self.n < self.settings.probation or self.var <= 0:
            return 0.0
        if not math.isfinite(x):
            return 0.0
        z = abs(x - self.mean) / math.sqrt(self.var)
        p = math.erfc(z / math.sqrt(2.0))
        if p <= 0.0:
            return 1.0
        rarity = -math.log10(p)
        return rarity / (1.0 + rarity)

    def learn_one(self, value: float, timestamp: Timestamp = None) -> None:
        """Update the running mean and variance (ignored while paused)."""
        x = float(value)
        if self.paused or not math.isfinite(x):
            return
        self.n += 1
        a = 1.0 / min(self.n, self.settings.horizon)
        d = x - self.mean
        self.mean += a * d
        self.var = (1.0 - a) * (self.var + a * d * d)
        if self.settling:
            self.settling -= 1

    def to_dict(self) -> State:
        """The whole state as JSON-ready data."""
        return {
            "kind": self.name,
            "settings": asdict(self.settings),
            "n": self.n,
            "mean": self.mean,
            "var": self.var,
            "paused": self.paused,
            "settling": self.settling,
        }

    @classmethod
    def from_dict(cls, state: State) -> GaussianDetector:
        """A detector restored from :meth:`to_dict`."""
        det = cls(GaussianSettings(**state["settings"]))
        det.n, det.mean, det.var = int(state["n"]), float(state["mean"]), float(state["var"])
        det.paused, det.settling = bool(state["paused"]), int(state["settling"])
        return det
