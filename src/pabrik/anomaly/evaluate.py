"""Running a detector over a corpus and scoring it with one threshold per profile."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from pabrik.anomaly.corpus import Series
from pabrik.anomaly.detector import Pausable
from pabrik.anomaly.nab import (
    PROFILES,
    FileResult,
    Floats,
    Profile,
    Stamps,
    Sweep,
    normalise,
    optimise,
    score_file,
)


def run(detector: Pausable, values: Floats, timestamps: Stamps | None = None) -> Floats:
    """Score each value before learning it, in order, as a stream would (with its instant)."""
    step = detector.process_one
    if timestamps is None:
        points = values.tolist()
        return np.fromiter((step(v) for v in points), dtype=np.float64, count=len(values))
    seconds = timestamps.astype("datetime64[s]").astype(np.int64).tolist()
    pairs = zip(values.tolist(), seconds, strict=True)
    return np.fromiter((step(v, float(t)) for v, t in pairs), dtype=np.float64, count=len(values))


@dataclass(frozen=True)
class ProfileResult:
    """One profile's best threshold over the corpus and every file scored at it."""

    sweep: Sweep
    files: tuple[FileResult, ...]


@dataclass(frozen=True)
class Evaluation:
    """A detector's scores over a corpus, and its result under each profile."""

    series: tuple[Series, ...]
    scores: tuple[Floats, ...]
    profiles: tuple[ProfileResult, ...]


def score_corpus(
    series: Sequence[Series],
    make: Callable[[], Pausable],
    done: Callable[[Series], None] | None = None,
) -> tuple[Floats, ...]:
    """A fresh detector per file, each run over its file; ``done`` is told after each."""
    out = []
    for item in series:
        out.append(run(make(), item.values, item.timestamps))
        if done is not None:
            done(item)
    return tuple(out)


def evaluate(
    series: Sequence[Series], scores: Sequence[Floats], profiles: Sequence[Profile] = PROFILES
) -> Evaluation:
    """Each profile's one corpus-wide threshold and the per-file results at it."""
    labels = [item.labels for item in series]
    results = []
    for profile in profiles:
        sweep = optimise(scores, labels, profile)
        files = tuple(
            score_file(s, lab, sweep.threshold, profile)
            for s, lab in zip(scores, labels, strict=True)
        )
        results.append(ProfileResult(sweep, files))
    return Evaluation(tuple(series), tuple(scores), tuple(results))


def category(item: Series) -> str:
    """A corpus file's category: the folder it sits in."""
    return item.name.partition("/")[0]


def leave_one_out(
    series: Sequence[Series],
    scores: Sequence[Floats],
    group: Callable[[Series], str] = category,
    profiles: Sequence[Profile] = PROFILES,
) -> tuple[float, ...]:
    """Each profile's normalised score on data it was not tuned on, pooled over the groups.

    For each group, the threshold is chosen on every other group and the group's files are
    scored at it; the raw scores of all groups, so scored, are summed and normalised once.
    """
    labels = [item.labels for item in series]
    keys = [group(item) for item in series]
    windows = sum(lab.windows for lab in labels)
    out = []
    for profile in profiles:
        raw = 0.0
        for key in sorted(set(keys)):
            rest = [i for i, k in enumerate(keys) if k != key]
            sweep = optimise([scores[i] for i in rest], [labels[i] for i in rest], profile)
            raw += sum(
                score_file(scores[i], labels[i], sweep.threshold, profile).raw
                for i, k in enumerate(keys)
                if k == key
            )
        out.append(normalise(raw, windows, profile))
    return tuple(out)
