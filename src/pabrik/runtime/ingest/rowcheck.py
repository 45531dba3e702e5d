"""Check sample rows as ``check_record`` checks samples, with the plant's lookups made once."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta

from pabrik.model.batch import SampleRow
from pabrik.model.records import EPOCH
from pabrik.model.site import Plant

_US = timedelta(microseconds=1)


class RowChecker:
    """Split rows into those ``check_record`` would accept and the rest, which it must judge.

    A row passes only when its machine and signal are configured, its value lies in the
    signal's plausible range (so it is finite) and its instant is within the clock limits;
    every other row goes through ``check_record``, so a refusal keeps its code and words.
    """

    def __init__(self, plant: Plant) -> None:
        self.bounds: dict[tuple[str, str], tuple[float, float]] = {}
        for machine in plant.machines():
            for signal in machine.signals:
                low, high = signal.plausible.min, signal.plausible.max
                if math.isfinite(low) and math.isfinite(high):
                    # The first signal of an id decides, as in _check_plausible.
                    self.bounds.setdefault((machine.id, signal.id), (low, high))
        # timedelta compares in whole microseconds; so do these.
        self.skew_us = timedelta(seconds=plant.limits.max_future_skew_s) // _US
        self.age_us = timedelta(days=plant.limits.max_age_days) // _US

    def split(
        self, rows: Sequence[SampleRow], now: datetime
    ) -> tuple[list[SampleRow], list[SampleRow]]:
        """The rows that pass, and the rows to check one by one."""
        if now.tzinfo is None:
            return [], list(rows)
        now_us = (now - EPOCH) // _US
        # ts - now <= skew and now - ts <= age, for ts = ts_ms milliseconds.
        latest = (now_us + self.skew_us) // 1000
        earliest = -((self.age_us - now_us) // 1000)
        bounds = self.bounds
        good: list[SampleRow] = []
        bad: list[SampleRow] = []
        for row in rows:
            limits = bounds.get((row[0], row[1]))
            if (
                limits is not None
                and earliest <= row[2] <= latest
                and limits[0] <= row[4] <= limits[1]
            ):
                good.append(row)
            else:
                bad.append(row)
        return good, bad
