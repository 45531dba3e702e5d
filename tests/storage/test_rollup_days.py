"""Hourly sums over whole days (daily rows on SQLite) equal the sums of the valid hourly rows,
on SQLite and PostgreSQL, with dirty hours, ragged ends, re-saved hours and purges."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from pabrik.model.records import SampleRecord, from_epoch_ms, to_epoch_ms
from pabrik.storage.postgres.store import PostgresStore
from pabrik.storage.rollups import HOUR_MS, ROLLUP_COLUMNS, RollupConfig, RollupRow, RollupSum
from pabrik.storage.sqlite.store import SqliteStore
from pabrik.storage.store import RetentionRule
from tests.storage.rollup_plant import save

H0 = to_epoch_ms(datetime(2025, 1, 6, tzinfo=UTC))
CONFIG = RollupConfig(
    "fp-1", state_margin_ms=0, count_margin_ms=0, sample_margin_ms=0, energy_signal="kwh"
)
HOURS = 24 * 5
ORDER = ROLLUP_COLUMNS.index("order_data")
MACHINES = ["m1", "m2", "m3"]


def _values(rng: random.Random, order: int) -> tuple[int, ...]:
    values = [rng.randint(0, 3_600_000) for _ in ROLLUP_COLUMNS]
    values[ORDER] = order
    return tuple(values)


def _hours(rng: random.Random, machine: str, skip: set[int]) -> list[RollupRow]:
    # m3 lacks order data in one hour: its sums must say "not every hour had order data".
    return [
        RollupRow(
            machine, H0 + h * HOUR_MS, _values(rng, 0 if (machine, h) == ("m3", 40) else 1), {}
        )
        for h in range(HOURS)
        if h not in skip
    ]


def _expected(
    hours: dict[tuple[str, int], RollupRow], dirty: set[tuple[str, int]], lo: int, hi: int
) -> dict[str, RollupSum]:
    out: dict[str, RollupSum] = {}
    for m in MACHINES:
        rows = [
            r for (mid, s), r in hours.items() if mid == m and lo <= s < hi and (m, s) not in dirty
        ]
        if rows:
            sums = [sum(col) for col in zip(*(r.values for r in rows), strict=True)]
            sums[ORDER] = min(r.values[ORDER] for r in rows)
            out[m] = RollupSum(len(rows), tuple(sums))
    return out


def test_daily_sums_equal_the_valid_hours(store: SqliteStore | PostgresStore) -> None:
    rng = random.Random(11)
    hours: dict[tuple[str, int], RollupRow] = {}
    for machine in MACHINES:
        store.reset_rollups(machine, CONFIG)
        # m2 misses a few hours (never rolled up): its day rows count fewer hours.
        rows = _hours(rng, machine, {26, 27, 90} if machine == "m2" else set())
        save(store, rows)
        hours.update({(r.machine_id, r.start_ms): r for r in rows})
    # Re-saved hours replace their old values in the daily sums.
    again = [RollupRow("m1", H0 + h * HOUR_MS, _values(rng, 1), {}) for h in (3, 30, 31, 119)]
    save(store, again)
    hours.update({(r.machine_id, r.start_ms): r for r in again})
    # A late write makes m2's hours around 50 dirty: their days come from the valid hours.
    store.write([SampleRecord("sim", "m2", "kwh", from_epoch_ms(H0 + 50 * HOUR_MS + 5), 1.0)])
    dirty = set(store.dirty_hours(None, 0, 1 << 62))
    assert dirty
    spans = [
        (H0, H0 + HOURS * HOUR_MS),
        (H0 + 5 * HOUR_MS, H0 + 77 * HOUR_MS),
        (H0 + 24 * HOUR_MS, H0 + 72 * HOUR_MS),
        (H0 + 25 * HOUR_MS, H0 + 26 * HOUR_MS),
        (H0 - 48 * HOUR_MS, H0 + 200 * HOUR_MS),
    ]
    for lo, hi in spans:
        assert store.rollup_sums(MACHINES, lo, hi, "hour") == _expected(hours, dirty, lo, hi)
    # Recomputed dirty hours are saved again: clean days read their daily rows once more.
    fixed = [RollupRow("m2", h, _values(rng, 1), {}) for _, h in sorted(dirty)]
    save(store, fixed)
    hours.update({(r.machine_id, r.start_ms): r for r in fixed})
    for lo, hi in spans:
        assert store.rollup_sums(MACHINES, lo, hi, "hour") == _expected(hours, set(), lo, hi)
    # Purging the first day and a half leaves sums of what is left.
    store.purge([RetentionRule("kpi_rollup_hour", from_epoch_ms(H0 + 36 * HOUR_MS))])
    hours = {k: v for k, v in hours.items() if k[1] >= H0 + 36 * HOUR_MS}
    for lo, hi in spans:
        assert store.rollup_sums(MACHINES, lo, hi, "hour") == _expected(hours, set(), lo, hi)
