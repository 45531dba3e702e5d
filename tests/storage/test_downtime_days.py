"""Downtime by reason over whole days (daily sums) equals the sum of the valid hourly rows,
on SQLite and PostgreSQL, with dirty hours, ragged ends, re-saved hours and purges."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime

from pabrik.model.records import SampleRecord, from_epoch_ms, to_epoch_ms
from pabrik.storage.postgres.store import PostgresStore
from pabrik.storage.rollups import HOUR_MS, ROLLUP_COLUMNS, RollupConfig, RollupRow
from pabrik.storage.sqlite.store import SqliteStore
from pabrik.storage.store import RetentionRule
from tests.storage.rollup_plant import save

H0 = to_epoch_ms(datetime(2025, 1, 6, tzinfo=UTC))
CONFIG = RollupConfig(
    "fp-1", state_margin_ms=0, count_margin_ms=0, sample_margin_ms=0, energy_signal="kwh"
)
KEYS = [("unplanned_stop", "jam"), ("unplanned_stop", ""), ("idle", "material")]
HOURS = 24 * 5


def _hours(rng: random.Random, machine: str) -> list[RollupRow]:
    values = tuple(0 for _ in ROLLUP_COLUMNS)
    return [
        RollupRow(
            machine,
            H0 + h * HOUR_MS,
            values,
            {k: rng.randint(0, 900) for k in rng.sample(KEYS, rng.randint(0, 3))},
        )
        for h in range(HOURS)
    ]


def _expected(
    hours: dict[tuple[str, int], RollupRow], dirty: set[tuple[str, int]], lo: int, hi: int
) -> dict[tuple[str, str, str], int]:
    out: Counter[tuple[str, str, str]] = Counter()
    for (m, start), row in hours.items():
        if lo <= start < hi and (m, start) not in dirty:
            for (state, reason), ms in row.downtime.items():
                out[(m, state, reason)] += ms
    return dict(out)


def test_daily_sums_equal_the_valid_hours(store: SqliteStore | PostgresStore) -> None:
    rng = random.Random(5)
    hours: dict[tuple[str, int], RollupRow] = {}
    for machine in ("m1", "m2"):
        store.reset_rollups(machine, CONFIG)
        rows = _hours(rng, machine)
        save(store, rows)
        hours.update({(r.machine_id, r.start_ms): r for r in rows})
    # Re-save some hours with new downtime: the daily sums follow.
    again = [
        RollupRow("m1", H0 + h * HOUR_MS, hours[("m1", H0)].values, {KEYS[0]: 7})
        for h in (3, 30, 31)
    ]
    save(store, again)
    hours.update({(r.machine_id, r.start_ms): r for r in again})
    # A late write makes m2's hours around 50 dirty.
    store.write([SampleRecord("sim", "m2", "kwh", from_epoch_ms(H0 + 50 * HOUR_MS + 5), 1.0)])
    dirty = set(store.dirty_hours(None, 0, 1 << 62))
    assert dirty
    for lo, hi in [
        (H0, H0 + HOURS * HOUR_MS),
        (H0 + 5 * HOUR_MS, H0 + 77 * HOUR_MS),
        (H0 + 25 * HOUR_MS, H0 + 26 * HOUR_MS),
    ]:
        found = store.rollup_downtime(["m1", "m2"], lo, hi)
        assert found == _expected(hours, dirty, lo, hi)
    # Purging the first day and a half leaves sums of what is left.
    cut = from_epoch_ms(H0 + 36 * HOUR_MS)
    store.purge([RetentionRule("kpi_rollup_downtime", cut)])
    hours = {k: v for k, v in hours.items() if k[1] >= H0 + 36 * HOUR_MS}
    assert store.rollup_downtime(["m1", "m2"], H0, H0 + HOURS * HOUR_MS) == _expected(
        hours, dirty, H0, H0 + HOURS * HOUR_MS
    )
