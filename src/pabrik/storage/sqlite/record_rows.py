"""Records as parameter rows of the SQLite states, counts and samples tables."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pabrik.model.batch import RecordBatch
from pabrik.model.records import CountRecord, Record, SampleRecord, to_epoch_ms


def rows_by_table(
    records: Sequence[Record],
) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]], Sequence[tuple[object, ...]]]:
    """Records as parameter rows for the states, counts and samples tables."""
    states: list[tuple[object, ...]] = []
    counts: list[tuple[object, ...]] = []
    samples: list[tuple[object, ...]] = []
    rows: Sequence[tuple[object, ...]] = ()
    if isinstance(records, RecordBatch):
        rows = records.rows
        records = records.records
    # Records of one instant share it (a tick, a multi-value message): convert each once.
    epoch_ms: dict[datetime, int] = {}
    for r in records:
        ts = epoch_ms.get(r.ts)
        if ts is None:
            ts = epoch_ms[r.ts] = to_epoch_ms(r.ts)
        # Counts first: they are most of the records that are not sample rows.
        if type(r) is CountRecord:
            counts.append((r.machine_id, ts, r.source, r.good, r.scrap, r.rework, r.product_id))
        elif isinstance(r, SampleRecord):
            samples.append((r.machine_id, r.signal_id, ts, r.source, r.value, r.quality.value))
        elif isinstance(r, CountRecord):
            counts.append((r.machine_id, ts, r.source, r.good, r.scrap, r.rework, r.product_id))
        else:
            states.append(
                (r.machine_id, ts, r.source, r.state.value, r.reason, r.product_id, r.order_id)
            )
    if not samples:
        return states, counts, rows  # the rows as they came: no copy
    samples.extend(rows)
    return states, counts, samples
