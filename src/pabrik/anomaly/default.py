"""The default detector: deviations, novelty, shifts and new extremes, calibrated per signal.

Each point gets five readings, all learnt online with bounded memory:

- **deviation**: how far the point, or the mean of the last few points, lies from the
  signal's long-run mean, in long-run standard deviations;
- **local deviation**: how far the point lies from the mean of about the last ``local``
  points, in their standard deviation, which catches a spike that is small beside the
  signal's whole range but large beside its present level and noise;
- **context novelty**: the value is quantised into levels of the range seen so far, and the
  last few levels form a context; a context seen rarely (or never) is surprising, which
  catches pattern changes that stay inside the normal range;
- **shift**: how far the mean of the last ``window`` points lies from the long-run mean, in
  the usual spread of such window means, which catches a level change too small to stand
  out point by point (a shift under 3 such spreads is ignored);
- **new extremes**: a value beyond the lowest or highest seen by more than 5 % of the range
  (Numenta's "spatial tolerance");
- **daily pattern**: when timestamps are given, how far the value lies from the usual level
  at this time of day, in that time's usual spread (:class:`DailyProfile`), which catches a
  daily pattern broken inside the normal range; it speaks only where the time of day
  explains most of the signal's variance.

The deviation and novelty make a raw score, the local deviation another, the shift a third
and the daily pattern a fourth;
each is calibrated against this signal's own history of it (:class:`Calibration`), so a noisy
signal needs a rarer event to score high than a quiet one, and one threshold suits many
signals: a raw score that beats the signal's record scores by how decisively it beats it, any
other by its rank, and a deviation reached often before scores lower the more often it was
reached. The score is the
highest of the calibrated readings. A score no higher than one of the last ``suppress``
scores is halved, so one event raises one alarm, not a burst.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import NamedTuple

from pabrik.anomaly.calibration import Calibration
from pabrik.anomaly.contexts import NO_KEY, Contexts
from pabrik.anomaly.detector import Pausable, State, Timestamp
from pabrik.anomaly.seasons import DailyProfile

# A window mean closer than this (in its own standard deviations) is no shift: a periodic
# signal's window mean wobbles with the phase, and that wobble must not outrank real events.
SHIFT_FLOOR = 3.0


@dataclass(frozen=True)
class ContextSettings:
    """Defaults that need no tuning; memory per signal follows from them (see docs/alarms.md)."""

    probation: int = 150  # points learnt before the first score
    horizon: int = 2000  # points in the long-run mean and variance
    short: int = 5  # points in the short mean
    spatial: float = 0.05  # share of the range past an extreme that scores 1
    levels: int = 5  # quantisation levels over the range seen
    context: int = 6  # levels per context
    contexts_cap: int = 1000  # contexts kept; past this, counts halve and rare ones go
    bins: int = 100  # bins of the raw-score histogram
    calibration: float = 0.8  # weight of the calibrated part against the raw score
    margin: float = 0.5  # weight, in a record's score, of how far it beats the record
    suppress: int = 100  # points over which a repeated score is halved
    warm: int = 50  # first raw scores (mean and variance not settled) left out; < probation
    window: int = 50  # points in the window mean read for a shift
    repeats: float = 0.5  # how fast a deviation's score falls with the times it was reached
    local: int = 100  # points in the local mean and variance
    season: int = 48  # time-of-day slots of the daily profile (30 minutes each)
    season_least: int = 3  # values a slot learns before it is read
    season_horizon: int = 40  # values in a slot's running mean and variance
    season_share: float = 0.5  # the profile speaks while its slots' variance is below this share


class _Reading(NamedTuple):
    score: float
    raw: float
    bin: int
    level: int
    key: int  # context key, or NO_KEY while too few levels are known
    local: float  # the local deviation, squashed to [0, 1)
    local_bin: int
    shift: float  # the window mean's shift, squashed to [0, 1)
    shift_bin: int
    window_mean: float  # the mean of the window ending at this point
    season: float  # the distance from the daily profile, squashed to [0, 1)
    season_bin: int
    slot: int  # the time-of-day slot, or -1 without a timestamp


def _seconds(timestamp: Timestamp) -> float | None:
    """The instant as seconds since the epoch (a float is taken as that already)."""
    if timestamp is None:
        return None
    return timestamp.timestamp() if isinstance(timestamp, datetime) else float(timestamp)


def _squash(z: float) -> float:
    """A distance in standard deviations squashed into [0, 1), still rising past 20."""
    return 0.5 * z / (1.0 + z) + 0.5 * z / (5.0 + z)


_SHIFT_FLOOR_RAW = _squash(SHIFT_FLOOR)


class ContextDetector(Pausable):
    """The default streaming detector (score in [0, 1]; higher is more anomalous)."""

    name = "context"

    def __init__(self, settings: ContextSettings | None = None) -> None:
        self.settings = s = settings or ContextSettings()
        self.n = 0
        self.mean = 0.0
        self.var = 0.0
        self.low = math.inf
        self.high = -math.inf
        self.recent: deque[float] = deque(maxlen=s.short)
        self.total = 0.0  # sum of ``recent``
        self.contexts = Contexts(s.context, s.levels, s.contexts_cap)
        self.deviations = Calibration(s.bins, s.warm, s.calibration, s.margin)
        self.local_n = 0
        self.local_mean = 0.0
        self.local_var = 0.0
        self.locals = Calibration(s.bins, s.warm, s.calibration, s.margin)
        self.window: deque[float] = deque(maxlen=s.window)
        self.window_total = 0.0  # sum of ``window``
        self.shift_n = 0  # full windows learnt
        self.shift_var = 0.0  # running mean square of the window mean's shift
        self.shifts = Calibration(s.bins, s.warm, s.calibration, s.margin)
        self.profile = DailyProfile(s.season, s.season_least, s.season_horizon, s.season_share)
        self.seasons = Calibration(s.bins, s.warm, s.calibration, s.margin)
        self.scores: deque[float] = deque(maxlen=s.suppress)
        self.top = 0.0  # max of ``scores``, recomputed only when it leaves them
        self.top_age = 0

    # -- reading a point ---------------------------------------------------------------------

    def _level(self, x: float) -> int:
        width = self.high - self.low
        if width <= 0:
            return 1
        top = self.settings.levels + 1
        # compared as a float first: a subnormal width makes the ratio infinite
        q = (x - self.low) / width * self.settings.levels
        if not q > -1:  # int() truncates toward 0, so just under the range is level 1
            return 0
        return (top if q >= top else int(q)) + 1

    def _raw(self, x: float) -> float:
        """Deviation of the point or the short mean from the long-run mean, squashed to [0, 1)."""
        s, recent, mean = self.settings, self.recent, self.mean
        k = len(recent)
        short = (self.total - recent[0] + x) / k if k == s.short else (self.total + x) / (k + 1)
        gap = max(abs(x - mean), abs(short - mean))
        if self.var > 0:
            z = gap / math.sqrt(self.var)
        else:
            z = 0.0 if gap == 0 or self.n < 2 else 1e9
        return _squash(z)

    def _local(self, x: float) -> float:
        """How far ``x`` lies from the local mean, in local standard deviations, squashed."""
        if self.local_n < self.settings.local or self.local_var <= 0:
            return 0.0
        return _squash(abs(x - self.local_mean) / math.sqrt(self.local_var))

    def _shift(self, x: float) -> tuple[float, float]:
        """The window ending at ``x``: its shift from the long-run mean (squashed), its mean."""
        w, k = self.window, len(self.window)
        mean = (
            (self.window_total - w[0] + x) / k
            if k == w.maxlen
            else (self.window_total + x) / (k + 1)
        )
        if self.shift_n < self.settings.window or self.shift_var <= 0:
            return 0.0, mean
        return _squash(abs(mean - self.mean) / math.sqrt(self.shift_var)), mean

    def _read(self, x: float, t: float | None) -> _Reading:
        s = self.settings
        raw = self._raw(x)
        level = self._level(x)
        key = self.contexts.key(level)
        if key != NO_KEY:
            novelty = self.contexts.novelty(key)
            if novelty > raw:
                raw = 0.5 * (novelty + raw)
        b = self.deviations.bin(raw)
        local = self._local(x)
        lb = self.locals.bin(local)
        shift, window_mean = self._shift(x)
        sb = self.shifts.bin(shift)
        slot, season = -1, 0.0
        if t is not None and s.season > 0:
            slot = self.profile.slot(t)
            if self.profile.ready(slot):
                season = _squash(self.profile.distance(x, slot, self.var))
        eb = self.seasons.bin(season)
        if self.n < s.probation or self.paused or self.settling:
            return _Reading(
                0.0, raw, b, level, key, local, lb, shift, sb, window_mean, season, eb, slot
            )
        score = max(
            self.deviations.score(raw, b, s.repeats), self.locals.score(local, lb, s.repeats)
        )
        width = self.high - self.low
        if width > 0:
            past = max(x - self.high, self.low - x) / width
            if past > 0:
                score = max(score, 0.999 * min(1.0, past / s.spatial) + 0.001 * score)
        # The shift's rank is not discounted by repeats: one shift lasts a whole window.
        if shift >= _SHIFT_FLOOR_RAW:
            score = max(score, self.shifts.score(shift, sb))
        if slot >= 0 and self.profile.ready(slot) and self.profile.explains():
            score = max(score, self.seasons.score(season, eb, s.repeats))
        if self.scores and score <= self.top:
            score *= 0.5
        return _Reading(
            score, raw, b, level, key, local, lb, shift, sb, window_mean, season, eb, slot
        )

    # -- the detector interface --------------------------------------------------------------

    def score_one(self, value: float, timestamp: Timestamp = None) -> float:
        """How anomalous ``value`` is now, in [0, 1]; 0 in probation, paused or settling."""
        x = float(value)
        return self._read(x, _seconds(timestamp)).score if math.isfinite(x) else 0.0

    def learn_one(self, value: float, timestamp: Timestamp = None) -> None:
        """Learn the next point (ignored while paused, and NaN or infinity is never learnt)."""
        x = float(value)
        if not self.paused and math.isfinite(x):
            self._learn(x, self._read(x, _seconds(timestamp)))

    def process_one(self, value: float, timestamp: Timestamp = None) -> float:
        """Score then learn one point, reading it once (the fast path for a stream)."""
        x = float(value)
        if self.paused or not math.isfinite(x):
            return 0.0
        reading = self._read(x, _seconds(timestamp))
        self._learn(x, reading)
        return reading.score

    def _learn(self, x: float, reading: _Reading) -> None:
        s = self.settings
        if reading.slot >= 0:
            if self.profile.ready(reading.slot):
                self.seasons.learn(reading.season, reading.season_bin)
            self.profile.learn(x, reading.slot, self.var)
        self.deviations.learn(reading.raw, reading.bin)
        self.locals.learn(reading.local, reading.local_bin)
        self.shifts.learn(reading.shift, reading.shift_bin)
        self.n += 1
        a = 1.0 / min(s.horizon, self.n)
        d = x - self.mean
        self.mean += a * d
        self.var = (1.0 - a) * (self.var + a * d * d)
        self.low = min(self.low, x)
        self.high = max(self.high, x)
        self.contexts.learn(reading.key, reading.level)
        recent = self.recent
        if len(recent) == s.short:
            self.total -= recent[0]
        recent.append(x)
        self.total += x
        self._learn_local(x)
        self._learn_shift(x, reading.window_mean)
        self._remember(reading.score)
        if self.settling:
            self.settling -= 1

    def _learn_local(self, x: float) -> None:
        """Move the local mean and variance on by ``x``."""
        self.local_n += 1
        a = 1.0 / min(self.settings.local, self.local_n)
        d = x - self.local_mean
        self.local_mean += a * d
        self.local_var = (1.0 - a) * (self.local_var + a * d * d)

    def _learn_shift(self, x: float, window_mean: float) -> None:
        """Move the window on by ``x``; once full, learn the spread of its mean's shift."""
        w = self.window
        if len(w) == w.maxlen:
            self.window_total -= w[0]
        w.append(x)
        self.window_total += x
        if len(w) == w.maxlen:
            self.shift_n += 1
            a = 1.0 / min(self.settings.horizon, self.shift_n)
            d = window_mean - self.mean
            self.shift_var = (1.0 - a) * self.shift_var + a * d * d

    def _remember(self, score: float) -> None:
        """Keep the last scores and their maximum, rescanning only when the maximum leaves."""
        self.scores.append(score)
        if score >= self.top:
            self.top, self.top_age = score, 0
            return
        self.top_age += 1
        if self.top_age >= len(self.scores):
            scores = list(self.scores)
            self.top = max(scores)
            self.top_age = len(scores) - 1 - max(i for i, v in enumerate(scores) if v == self.top)

    def forget_context(self) -> None:
        """Forget the last levels, values and scores, so the stop's gap is no jump."""
        self.contexts.forget()
        self.recent.clear()
        self.total = 0.0
        self.window.clear()
        self.window_total = 0.0
        self.scores.clear()
        self.top, self.top_age = 0.0, 0

    # -- saving ------------------------------------------------------------------------------

    def to_dict(self) -> State:
        """The whole state as JSON-ready data."""
        return {
            "kind": self.name,
            "settings": asdict(self.settings),
            "n": self.n,
            "mean": self.mean,
            "var": self.var,
            "low": None if self.n == 0 else self.low,
            "high": None if self.n == 0 else self.high,
            "recent": list(self.recent),
            "total": self.total,
            "contexts": self.contexts.to_dict(),
            "deviations": self.deviations.to_dict(),
            "local": [self.local_n, self.local_mean, self.local_var],
            "locals": self.locals.to_dict(),
            "window": list(self.window),
            "window_total": self.window_total,
            "shift": [self.shift_n, self.shift_var],
            "shifts": self.shifts.to_dict(),
            "profile": self.profile.to_dict(),
            "seasons": self.seasons.to_dict(),
            "scores": list(self.scores),
            "top": [self.top, self.top_age],
            "paused": self.paused,
            "settling": self.settling,
        }

    @classmethod
    def from_dict(cls, state: State) -> ContextDetector:
        """A detector restored from :meth:`to_dict`."""
        det = cls(ContextSettings(**state["settings"]))
        det.n, det.mean, det.var = int(state["n"]), float(state["mean"]), float(state["var"])
        if state["low"] is not None:
            det.low, det.high = float(state["low"]), float(state["high"])
        det.recent.extend(float(v) for v in state["recent"])
        det.total = float(state["total"])
        det.contexts.load(state["contexts"])
        if "deviations" in state:
            det.deviations.load(state["deviations"])
            det.window.extend(float(v) for v in state["window"])
            det.window_total = float(state["window_total"])
            det.shift_n, det.shift_var = int(state["shift"][0]), float(state["shift"][1])
            det.shifts.load(state["shifts"])
        else:  # saved before the shift reading: its history starts now
            det.deviations.load(
                {"histogram": state["histogram"], "record": state["record"]} | {"n": det.n}
            )
        if "locals" in state:  # else saved before the local reading: it starts now
            det.local_n = int(state["local"][0])
            det.local_mean, det.local_var = float(state["local"][1]), float(state["local"][2])
            det.locals.load(state["locals"])
        if "profile" in state:  # else saved before the daily profile: it starts now
            det.profile.load(state["profile"])
            det.seasons.load(state["seasons"])
        det.scores.extend(float(v) for v in state["scores"])
        det.top, det.top_age = float(state["top"][0]), int(state["top"][1])
        det.paused, det.settling = bool(state["paused"]), int(state["settling"])
        return det
