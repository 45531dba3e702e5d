"""Running a detector over a corpus and scoring it with one threshold per profile."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from pabrik.anomaly.corpus import Series
from pabrik.anomaly.detector import Pausable
from pabrik.anomaly.nab import PROFILES, FileResult, Floats, Profile, Sweep, optimise, score_file


def run(detector: Pausable, values: Floats) -> Floats:
    """Score each value before learning it, in order, as a stream would."""
    step = detector.process_one
    return np.fromiter((step(v) for v in values.tolist()), dtype=np.float64, count=len(values))


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
        out.append(run(make(), item.values))
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
