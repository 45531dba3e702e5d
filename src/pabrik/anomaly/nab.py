"""Scoring streaming detectors the NAB way (NAB v1.1): windows, weights, one threshold per profile.

Every rule here is in ``shared/reference/anomaly.md``. Points are labelled once per file
(:func:`label_points`), then a whole corpus is swept for the threshold that maximises the
summed raw score (:func:`optimise`), with numpy so a corpus of 300,000 points takes well
under a second.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Stamps = npt.NDArray[np.datetime64]

PROBATION_FRACTION = 0.15
PROBATION_CAP_POINTS = 5000


@dataclass(frozen=True)
class Profile:
    """The weights of one NAB application profile."""

    name: str
    tp: float
    fn: float
    fp: float


STANDARD = Profile("standard", tp=1.0, fn=1.0, fp=0.11)
LOW_FP = Profile("reward_low_FP_rate", tp=1.0, fn=1.0, fp=0.22)
LOW_FN = Profile("reward_low_FN_rate", tp=1.0, fn=2.0, fp=0.11)
PROFILES: tuple[Profile, ...] = (STANDARD, LOW_FP, LOW_FN)


def scaled_sigmoid(y: float | Floats) -> Floats:
    """NAB's ``2 / (1 + e^(5y)) - 1``, and -1 past ``y > 3``."""
    arr = np.asarray(y, dtype=np.float64)
    # exp overflows to inf far right of a window; the result is -1 there anyway.
    with np.errstate(over="ignore"):
        value = 2.0 / (1.0 + np.exp(5.0 * arr)) - 1.0
    return np.where(arr > 3.0, -1.0, value)


SIGMA_LEFT_EDGE = float(scaled_sigmoid(-1.0))


def probation_length(n: int) -> int:
    """Points at the start of a file whose detections are ignored."""
    return min(
        math.floor(PROBATION_FRACTION * n), math.floor(PROBATION_FRACTION * PROBATION_CAP_POINTS)
    )


@dataclass(frozen=True)
class FileLabels:
    """Where each point of one file stands relative to its windows."""

    window: Ints  # index of the window holding the point, -1 outside every window
    sigma: Floats  # scaled sigmoid of the point's relative position (-1 before any window)
    probation: int  # points at the start that do not count
    windows: int  # number of windows in the file

    def weights(self, profile: Profile) -> Floats:
        """The raw score a detection at each point adds under ``profile``."""
        inside = self.window >= 0
        tp = profile.tp * self.sigma / SIGMA_LEFT_EDGE
        return np.where(inside, tp, profile.fp * self.sigma)


def label_points(
    timestamps: Stamps, windows: Sequence[tuple[np.datetime64, np.datetime64]]
) -> FileLabels:
    """Label every point of one file with its window and position weight."""
    n = len(timestamps)
    window = np.full(n, -1, dtype=np.int64)
    sigma = np.full(n, -1.0)
    idx = np.arange(n, dtype=np.float64)
    prev_right = -1
    prev_width = 0
    for k, (start, end) in enumerate(sorted(windows)):
        left = int(np.searchsorted(timestamps, start, side="left"))
        right = int(np.searchsorted(timestamps, end, side="right")) - 1
        if right < left:
            continue
        if prev_right >= 0:
            _after(sigma, idx, prev_right, prev_width, left)
        width = right - left + 1
        window[left : right + 1] = k
        sigma[left : right + 1] = scaled_sigmoid(-(right - idx[left : right + 1] + 1) / width)
        prev_right, prev_width = right, width
    if prev_right >= 0:
        _after(sigma, idx, prev_right, prev_width, n)
    return FileLabels(window, sigma, probation_length(n), len(windows))


def _after(sigma: Floats, idx: Floats, right: int, width: int, stop: int) -> None:
    """Weight the points between a window's right edge and ``stop`` by their distance."""
    span = idx[right + 1 : stop]
    sigma[right + 1 : stop] = scaled_sigmoid(np.abs(right - span) / max(width - 1, 1))


@dataclass(frozen=True)
class FileResult:
    """One file scored at one threshold."""

    raw: float
    detected: Ints  # indices of the points that count: each window's first detection, every FP
    true_positives: int
    false_positives: int
    false_negatives: int


def score_file(
    scores: Floats, labels: FileLabels, threshold: float, profile: Profile
) -> FileResult:
    """The raw NAB score of one file's scores at ``threshold``."""
    hit = np.asarray(scores, dtype=np.float64) >= threshold
    hit[: labels.probation] = False
    weights = labels.weights(profile)
    fp_idx = np.nonzero(hit & (labels.window < 0))[0]
    raw = float(weights[fp_idx].sum())
    first: list[int] = []
    for k in range(labels.windows):
        inside = np.nonzero(hit & (labels.window == k))[0]
        if len(inside):
            first.append(int(inside[0]))
    raw += float(weights[first].sum()) - profile.fn * (labels.windows - len(first))
    detected = np.sort(np.concatenate([np.asarray(first, dtype=np.int64), fp_idx]))
    return FileResult(raw, detected, len(first), len(fp_idx), labels.windows - len(first))


def null_raw(windows: int, profile: Profile) -> float:
    """The raw score of a detector that never fires."""
    return -profile.fn * windows


def perfect_raw(windows: int, profile: Profile) -> float:
    """The raw score of a detector that fires on each window's first point and nowhere else."""
    return profile.tp * windows


def normalise(raw: float, windows: int, profile: Profile) -> float:
    """``100 × (raw − null) / (perfect − null)``."""
    null = null_raw(windows, profile)
    span = perfect_raw(windows, profile) - null
    return 100.0 * (raw - null) / span if span else 0.0


@dataclass(frozen=True)
class Sweep:
    """The best single threshold over a corpus under one profile."""

    profile: Profile
    threshold: float
    raw: float
    score: float  # normalised


def optimise(scores: Sequence[Floats], labels: Sequence[FileLabels], profile: Profile) -> Sweep:
    """Sweep every distinct score, high to low, for the threshold with the highest summed raw."""
    s_parts, w_parts, id_parts = [], [], []
    offset = 0
    for file_scores, lab in zip(scores, labels, strict=True):
        keep = slice(lab.probation, None)
        s_parts.append(np.asarray(file_scores, dtype=np.float64)[keep])
        w_parts.append(lab.weights(profile)[keep])
        ids = lab.window[keep]
        id_parts.append(np.where(ids >= 0, ids + offset, -1))
        offset += lab.windows
    s = np.concatenate(s_parts) if s_parts else np.zeros(0)
    thresholds, totals = _sweep(
        s, np.concatenate(w_parts) if w_parts else s, np.concatenate(id_parts) if id_parts else
        np.zeros(0, dtype=np.int64), offset, profile.fn,
    )  # fmt: skip
    best = int(np.argmax(totals))
    raw = float(totals[best])
    return Sweep(profile, float(thresholds[best]), raw, normalise(raw, offset, profile))


def _sweep(
    s: Floats, weights: Floats, window: Ints, windows: int, fn: float
) -> tuple[Floats, Floats]:
    """Every candidate threshold with the corpus's raw total at it (the first: nothing fires)."""
    order = np.argsort(-s, kind="stable")
    s, weights, window = s[order], weights[order], window[order]
    gain = np.where(window < 0, weights, 0.0)
    pos = np.nonzero(window >= 0)[0]
    if len(pos):
        # A window's worth is its best (earliest) detection so far; its gain is each raise of it.
        group = window[pos]
        by_group = np.lexsort((pos, group))
        group, pos_g, value = group[by_group], pos[by_group], weights[pos][by_group]
        lift = group * (4.0 * (1.0 + fn))
        best = np.maximum.accumulate(value + lift) - lift
        before = np.empty_like(best)
        before[1:] = best[:-1]
        before[np.r_[True, group[1:] != group[:-1]]] = -fn
        gain[pos_g] = best - before
    totals = -fn * windows + np.cumsum(gain)
    ends = np.r_[np.nonzero(s[1:] != s[:-1])[0], len(s) - 1] if len(s) else np.zeros(0, np.int64)
    thresholds = np.r_[np.inf, s[ends]]
    return thresholds, np.r_[-fn * windows, totals[ends]]
