"""Check sample rows as ``check_record`` checks samples, with the plant's lookups made once."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from pabrik.model.batch import SampleRow
from pabrik.model.records import EPOCH, CountRecord, Record, SampleRecord
from pabrik.model.site import Plant
from pabrik.model.validation import MAX_COUNT

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
        self.products = {m.id: frozenset(p.id for p in m.products) for m in plant.machines()}
        self.skew = timedelta(seconds=plant.limits.max_future_skew_s)
        self.age = timedelta(days=plant.limits.max_age_days)
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
