"""Check sample rows as ``check_record`` checks samples, with the plant's lookups made once."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from operator import le

from pabrik.model.batch import PollRows, SampleRow
from pabrik.model.records import EPOCH, CountRecord, Record, SampleRecord
from pabrik.model.site import Plant
from pabrik.model.validation import MAX_COUNT

_US = timedelta(microseconds=1)
_LIMITS_KEPT = 4096  # column layouts whose limits are kept; a map version makes new ones


Limits = tuple[list[float], list[float]]
"""The lowest and highest plausible value of each value of a column chunk, in order."""


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
        self.products = {m.id: frozenset(p.id for p in m.products) for m in plant.machines()}
        self.skew = timedelta(seconds=plant.limits.max_future_skew_s)
        self.age = timedelta(days=plant.limits.max_age_days)
        # timedelta compares in whole microseconds; so do these.
        self.skew_us = timedelta(seconds=plant.limits.max_future_skew_s) // _US
        self.age_us = timedelta(days=plant.limits.max_age_days) // _US
        # id(machines), id(signals) -> (machines, signals, lows, highs); the tuples are kept
        # so their ids stay theirs. None: a value of the layout has no limits.
        self._limits: dict[tuple[int, int], tuple[object, object, Limits | None]] = {}

    def _window(self, now: datetime) -> tuple[int, int]:
        """The earliest and latest accepted instant in epoch ms."""
        now_us = (now - EPOCH) // _US
        # ts - now <= skew and now - ts <= age, for ts = ts_ms milliseconds.
        return -((self.age_us - now_us) // 1000), (now_us + self.skew_us) // 1000

    def _column_limits(self, machines: tuple[str, ...], signals: tuple[str, ...]) -> Limits | None:
        key = (id(machines), id(signals))
        kept = self._limits.get(key)
        if kept is not None and kept[0] is machines and kept[1] is signals:
            return kept[2]
        found = [self.bounds.get(pair) for pair in zip(machines, signals, strict=True)]
        limits = None
        if all(b is not None for b in found):
            limits = ([b[0] for b in found if b], [b[1] for b in found if b])
        if len(self._limits) >= _LIMITS_KEPT:
            self._limits.clear()
        self._limits[key] = (machines, signals, limits)
        return limits

    def split_poll(self, rows: PollRows, now: datetime) -> tuple[PollRows, list[SampleRow]]:
        """As ``split``, keeping a column chunk whose every value passes as its columns."""
        if now.tzinfo is None:
            return PollRows(), list(rows)
        earliest, latest = self._window(now)
        good, bad = PollRows(), []
        for chunk in rows.chunks():
            if not isinstance(chunk, list):
                machines, signals, ts_ms, _, values = chunk
                limits = self._column_limits(machines, signals)
                if (
                    limits is not None
                    and earliest <= ts_ms <= latest
                    and all(map(le, limits[0], values))
                    and all(map(le, values, limits[1]))
                ):
                    good.add_columns(*chunk)
                    continue
            passed, failed = self.split(PollRows.of(chunk), now)
            good.extend(passed)
            bad.extend(failed)
        return good, bad

    def split(
        self, rows: Sequence[SampleRow], now: datetime
    ) -> tuple[list[SampleRow], list[SampleRow]]:
        """The rows that pass, and the rows to check one by one."""
        if now.tzinfo is None:
            return [], list(rows)
        earliest, latest = self._window(now)
        bounds = self.bounds
        good: list[SampleRow] = []
        bad: list[SampleRow] = []
        for row in rows:
            try:
                limits = bounds.get((row[0], row[1]))
                ok = (
                    limits is not None
                    and earliest <= row[2] <= latest
                    and limits[0] <= row[4] <= limits[1]
                )
            except Exception:  # noqa: BLE001 - a malformed row is check_record's to judge
                ok = False
            (good if ok else bad).append(row)
        return good, bad

    def split_records(
        self, records: Iterable[Record], now: datetime
    ) -> tuple[list[Record], list[Record]]:
        """The samples and counts that pass, and the records ``check_record`` must judge."""
        good: list[Record] = []
        rest: list[Record] = []
        if now.tzinfo is None:
            rest.extend(records)
            return good, rest
        # ts - now > skew and now - ts > age refuse: the same comparisons, done once.
        latest, earliest = now + self.skew, now - self.age
        bounds, products = self.bounds, self.products
        for r in records:
            try:
                ok = _passes(r, earliest, latest, bounds, products)
            except Exception:  # noqa: BLE001 - a malformed record is check_record's to judge
                ok = False
            (good if ok else rest).append(r)
        return good, rest


def _passes(
    r: Record,
    earliest: datetime,
    latest: datetime,
    bounds: dict[tuple[str, str], tuple[float, float]],
    products: dict[str, frozenset[str]],
) -> bool:
    ts = r.ts
    if ts.tzinfo is None or not earliest <= ts <= latest:
        return False
    kind = type(r)
    if kind is SampleRecord:
        limits = bounds.get((r.machine_id, r.signal_id))  # type: ignore[union-attr]
        return limits is not None and limits[0] <= r.value <= limits[1]  # type: ignore[union-attr]
    return kind is CountRecord and _count_ok(r, products)  # type: ignore[arg-type]


def _count_ok(r: CountRecord, products: dict[str, frozenset[str]]) -> bool:
    known = products.get(r.machine_id)
    return (
        known is not None
        and 0 <= r.good <= MAX_COUNT
        and 0 <= r.scrap <= MAX_COUNT
        and 0 <= r.rework <= MAX_COUNT
        and (r.product_id is None or r.product_id in known)
    )
