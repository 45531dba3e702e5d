"""A signal's history of one raw reading, so a new raw value is scored against it."""

from __future__ import annotations

from pabrik.anomaly.detector import State


class Calibration:
    """A histogram of the raw values seen and their record, and the score of a new raw value.

    A raw value that beats the record scores by how decisively it beats it. Any other scores
    by its rank (the share of the history at or above it), capped below every record-beater;
    with ``repeats`` above 0 that cap also falls with the number ``k`` of earlier values at
    or above it, as ``(1 + k) ** -repeats``: a long quiet history then needs no rarer share
    to stay quiet, so a long file does not fire more often than a short one.
    """

    def __init__(self, bins: int, warm: int, calibration: float, margin: float) -> None:
        self.bins, self.warm = bins, warm
        self.calibration, self.margin = calibration, margin
        self.histogram = [0] * (bins + 1)
        self.record = 0.0  # the highest raw value counted in the histogram
        self.n = 0  # raw values learnt, the first ``warm`` uncounted
        self.counted = 0  # sum of ``histogram``, so a tail is summed from its shorter side

    def bin(self, raw: float) -> int:
        """The histogram bin of ``raw`` (in [0, 1])."""
        return int(raw * self.bins)

    def score(self, raw: float, b: int, repeats: float = 0.0) -> float:
        """``raw`` (in bin ``b``) against the history: how it beats the record, or its rank."""
        c, m = self.calibration, self.margin
        if raw > self.record:
            beat = (raw - self.record) / (1.0 - self.record)
            return c + (1.0 - c) * (m * beat + (1.0 - m) * raw)
        h = self.histogram
        k = sum(h[b:]) if 2 * b > self.bins else self.counted - sum(h[:b])
        tail = k / max(self.n - self.warm, 1)
        cap = (1.0 - c) * (1.0 - m) * raw
        if repeats:
            cap /= (1.0 + k) ** repeats
        return min((1.0 - c) * raw + c * (1.0 - tail), c + cap)

    def learn(self, raw: float, b: int) -> None:
        """Count ``raw`` (in bin ``b``), once the first ``warm`` values have gone by."""
        if self.n >= self.warm:
            self.histogram[b] += 1
            self.counted += 1
            self.record = max(self.record, raw)
        self.n += 1

    def to_dict(self) -> State:
        """The state as JSON-ready data."""
        return {"histogram": list(self.histogram), "record": self.record, "n": self.n}

    def load(self, state: State) -> None:
        """Take the state of :meth:`to_dict`."""
        self.histogram = [int(c) for c in state["histogram"]]
        self.counted = sum(self.histogram)
        self.record = float(state["record"])
        self.n = int(state["n"])
