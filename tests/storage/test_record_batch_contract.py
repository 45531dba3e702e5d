"""A batch of records and sample rows is stored as the same batch handed over as records.

The ingest path hands the stores a ``RecordBatch`` (samples as rows, instants in epoch ms);
anything else hands them records. On each backend, one store takes the batch as it is and
another the same batch read as records (``list(batch)``), with rows already stored (a replay:
PostgreSQL's merge through staging), a key twice in one batch, sub-millisecond record
instants, a month boundary and rolled-up and claimed hours: what they read back, count as
inserted and mark dirty must agree, and so must a SQLite store given the same batch.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pabrik.model.batch import RecordBatch, SampleRow
from pabrik.model.records import (
    CountRecord,
    Record,
    SampleRecord,
    StateRecord,
    from_epoch_ms,
    to_epoch_ms,
)
from pabrik.model.states import Quality, StateClass
from pabrik.storage.postgres.store import PostgresStore
from pabrik.storage.rollups import HOUR_MS, RollupConfig
from pabrik.storage.sqlite.store import SqliteStore
from tests.pg import PgServer

Backend = SqliteStore | PostgresStore
# Two hours before a month's end, so batches reach into the next month's partition.
T0 = datetime(2026, 3, 31, 22, 0, tzinfo=UTC)
T0_MS = to_epoch_ms(T0)
SPAN_MS = 4 * HOUR_MS
CONFIG = RollupConfig(
    "fp", state_margin_ms=60_000, count_margin_ms=60_000, sample_margin_ms=120_000,
    energy_signal="kwh",
)  # fmt: skip
_EXAMPLES = itertools.count()


@pytest.fixture
def pair(request: pytest.FixtureRequest, tmp_path: Path, store: Backend) -> Iterator[Backend]:
    """A second store of the fixture's kind: it takes each batch as records."""
    other: Backend
    if isinstance(store, SqliteStore):
        other = SqliteStore(tmp_path / "records.sqlite")
        other.upgrade()
        yield other
        other.close()
        return
    server: PgServer = request.getfixturevalue("pg_server")
    url = server.create_database()
    other = PostgresStore(url, pool_size=2)
    other.upgrade()
    yield other
    other.close()
    server.drop_database(url)


_ms = st.one_of(
    st.integers(0, SPAN_MS), st.sampled_from([0, 1, HOUR_MS - 1, HOUR_MS, 2 * HOUR_MS + 7])
)
_row = st.tuples(
    st.sampled_from("ab"),
    st.sampled_from(["kwh", "temp"]),
    _ms,
    st.sampled_from(["mqtt", "sim"]),
    st.floats(-1e6, 1e6, allow_nan=False),
    st.sampled_from(["good", "bad", "uncertain"]),
)
_record = st.tuples(st.sampled_from("sck"), st.sampled_from("ab"), _ms, st.integers(0, 999))


def _records(specs: list[tuple[str, str, int, int]], machines: dict[str, str]) -> list[Record]:
    made: list[Record] = []
    for kind, m, ms, us in specs:
        ts = T0 + timedelta(milliseconds=ms, microseconds=us)
        if kind == "s":
            made.append(StateRecord("sim", machines[m], ts, StateClass.RUNNING, product_id="p"))
        elif kind == "c":
            made.append(CountRecord("sim", machines[m], ts, good=us, scrap=1))
        else:
            made.append(SampleRecord("sim", machines[m], "kwh", ts, float(us), Quality.UNCERTAIN))
    return made


def _read(store: Backend, machines: dict[str, str]) -> dict[str, Any]:
    start, end = T0 - timedelta(hours=1), T0 + timedelta(milliseconds=SPAN_MS + 1)
    out: dict[str, Any] = {}
    for key, m in machines.items():
        out[f"{key} states"] = store.states(m, start, end)
        out[f"{key} counts"] = store.counts(m, start, end)
        for signal in ("kwh", "temp"):
            out[f"{key} {signal}"] = store.samples(m, signal, start, end)
    return {k: [_renamed(r, machines) for r in v] for k, v in out.items()}


def _renamed(record: Record, machines: dict[str, str]) -> Record:
    """The record with its machine named by its key, so two examples' reads compare."""
    back = {m: key for key, m in machines.items()}
    return replace(record, machine_id=back[record.machine_id])


def _marks(store: Backend, machines: dict[str, str]) -> tuple[Any, ...]:
    ids = list(machines.values())
    hours = store.dirty_hours(ids, T0_MS - HOUR_MS, T0_MS + SPAN_MS + HOUR_MS)
    back = {m: key for key, m in machines.items()}
    seq = store.rollup_seq(ids)
    return [(back[m], h) for m, h in hours], {back[m]: s for m, s in seq.items()}


def _write_both(
    store: Backend, other: Backend, earlier: list[SampleRow], rows: list[SampleRow],
    records: list[Record],
) -> tuple[int, int]:  # fmt: skip
    batch = RecordBatch(records, rows)
    if earlier:
        assert store.write(RecordBatch([], earlier)) == other.write(list(RecordBatch([], earlier)))
    a, b = store.write(batch), other.write(list(batch))
    assert a == b
    return a.offered, a.inserted


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(_row, max_size=40),
    records=st.lists(_record, max_size=8),
    replayed=st.integers(0, 40),
    claimed=st.sets(st.integers(-1, 4), max_size=3),
)
def test_a_record_batch_is_stored_as_its_records(
    tmp_path: Path,
    store: Backend,
    pair: Backend,
    rows: list[tuple[str, str, int, str, float, str]],
    records: list[tuple[str, str, int, int]],
    replayed: int,
    claimed: set[int],
) -> None:
    n = next(_EXAMPLES)
    machines = {"a": f"a{n}", "b": f"b{n}"}
    for s in (store, pair):
        s.reset_rollups(machines["a"], CONFIG)  # b has no rollups: it only bumps
        s.claim_hours([(machines["a"], T0_MS + h * HOUR_MS) for h in sorted(claimed)])
    made = [(machines[m], sig, T0_MS + ms, src, v, q) for m, sig, ms, src, v, q in rows]
    _write_both(store, pair, made[:replayed:2], made, _records(records, machines))
    assert _read(store, machines) == _read(pair, machines)
    assert _marks(store, machines) == _marks(pair, machines)
    # Across backends: the same batch on a fresh SQLite store reads back the same.
    lite = SqliteStore(tmp_path / f"lite{n}.sqlite")
    lite.upgrade()
    try:
        lite.reset_rollups(machines["a"], CONFIG)
        lite.claim_hours([(machines["a"], T0_MS + h * HOUR_MS) for h in sorted(claimed)])
        lite.write(RecordBatch([], made[:replayed:2]))
        lite.write(RecordBatch(_records(records, machines), made))
        assert _read(lite, machines) == _read(store, machines)
        # PostgreSQL also bumps machines without rollups (a first claim may be under way).
        hours, seq = _marks(lite, machines)
        assert (hours, seq["a"]) == (_marks(store, machines)[0], _marks(store, machines)[1]["a"])
    finally:
        lite.close()


def test_rows_first_of_a_key_wins_and_instants_are_utc_milliseconds(store: Backend) -> None:
    rows: list[SampleRow] = [
        ("m", "temp", T0_MS + 5, "mqtt", 1.0, "good"),
        ("m", "temp", T0_MS + 5, "mqtt", 2.0, "bad"),
        ("m", "temp", T0_MS + 2 * HOUR_MS, "mqtt", 3.0, "uncertain"),
    ]
    result = store.write(RecordBatch([], rows))
    assert (result.offered, result.inserted) == (3, 2)
    got = store.samples("m", "temp", T0, T0 + timedelta(hours=3))
    assert got == [
        SampleRecord("mqtt", "m", "temp", from_epoch_ms(T0_MS + 5), 1.0, Quality.GOOD),
        SampleRecord(
            "mqtt", "m", "temp", T0 + timedelta(hours=2), 3.0, Quality.UNCERTAIN
        ),  # in April's partition
    ]
    assert got[1].ts.tzinfo is UTC or got[1].ts.utcoffset() == timedelta(0)


def test_many_checkpoints_new_and_updated_commit_with_their_batch(store: Backend) -> None:
    names = [f"detect:m{i}:{'bc'[i % 2]}" for i in range(120)]
    store.write([], dict.fromkeys(names[:60], "old"))
    rows: list[SampleRow] = [("m", "temp", T0_MS, "mqtt", 1.0, "good")]
    store.write(RecordBatch([], rows), {n: f"v{i}" for i, n in enumerate(reversed(names))})
    assert [store.checkpoint(n) for n in reversed(names)] == [f"v{i}" for i in range(120)]
    assert store.checkpoint("detect:other") is None
