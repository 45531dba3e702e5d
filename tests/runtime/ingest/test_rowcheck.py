"""Sample rows are judged as their records are: the fast check never accepts what
check_record refuses, and a batch of rows stores and dead-letters like a list of records."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pabrik.model.batch import PollRows, RecordBatch, SampleRow, sample_of
from pabrik.model.records import to_epoch_ms
from pabrik.model.validation import check_record
from pabrik.runtime.ingest.pipeline import Ingestor
from pabrik.runtime.ingest.rowcheck import RowChecker
from pabrik.runtime.plant.siteconfig import load_site
from pabrik.storage.sqlite.store import SqliteStore
from tests.paths import DEMO

PLANT = load_site(DEMO).plant()
NOW = datetime(2025, 3, 10, 2, 0, 0, 123_456, tzinfo=UTC)
NOW_MS = to_epoch_ms(NOW)
SKEW_MS = int(PLANT.limits.max_future_skew_s * 1000)
AGE_MS = int(PLANT.limits.max_age_days * 86_400_000)
MACHINE = PLANT.machines()[0]
SIGNALS = [s.id for s in MACHINE.signals]

near_edges = st.sampled_from([0, SKEW_MS, -AGE_MS]).flatmap(
    lambda edge: st.integers(NOW_MS + edge - 2, NOW_MS + edge + 2)
)
rows = st.tuples(
    st.sampled_from([MACHINE.id, "nope"]),
    st.sampled_from([*SIGNALS, "nope"]),
    near_edges | st.integers(0, 10**13),
    st.just("mqtt"),
    st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from([1e15, -1e15, 1.0000001e15]),
    st.sampled_from(["good", "bad"]),
)


@settings(max_examples=800, deadline=None, suppress_health_check=list(HealthCheck))
@given(row=rows)
def test_the_fast_check_passes_a_row_only_when_check_record_accepts_it(row: SampleRow) -> None:
    good, _ = RowChecker(PLANT).split([row], NOW)
    if good:
        assert check_record(sample_of(row), PLANT, NOW) is None


def test_rows_and_records_store_and_dead_letter_alike(tmp_path: Path) -> None:
    signal = SIGNALS[0]
    sample_rows: list[SampleRow] = [
        (MACHINE.id, signal, NOW_MS - 1000, "mqtt", 1.5, "good"),
        (MACHINE.id, signal, NOW_MS + SKEW_MS + 5, "mqtt", 2.5, "good"),
        (MACHINE.id, "nope", NOW_MS - 1000, "mqtt", 3.5, "good"),
        (MACHINE.id, signal, NOW_MS - 2000, "mqtt", float("nan"), "bad"),
        (MACHINE.id, signal, NOW_MS - 1000, "mqtt", 1.5, "good"),  # a duplicate
    ]
    found = []
    for name, batch in (
        ("rows", RecordBatch([], sample_rows)),
        ("records", [sample_of(r) for r in sample_rows]),
    ):
        store = SqliteStore(tmp_path / f"{name}.sqlite")
        store.upgrade()
        ingestor = Ingestor(store, PLANT, clock=lambda: NOW)
        result = ingestor.ingest(batch)
        letters = [(d.reason_code, d.detail, d.payload) for d in store.dead_letters(10, 0)]
        since = NOW - timedelta(hours=1)
        kept = store.samples(MACHINE.id, signal, since, NOW + timedelta(hours=1))
        found.append((result, sorted(letters), kept, ingestor.metrics))
        store.close()
    assert found[0] == found[1]
    assert found[0][0].inserted == 1
    assert len(found[0][1]) == 3


def test_a_poll_stores_and_dead_letters_as_its_rows_and_keeps_good_reads_as_frames(
    tmp_path: Path,
) -> None:
    machines = (MACHINE.id,) * len(SIGNALS)
    signals = tuple(SIGNALS)
    rows = PollRows()
    rows.add_columns(machines, signals, NOW_MS - 1000, "modbus", [1.0, 2.0, 3.0, 4.0])
    # One value out of range: that read is judged row by row, the others stay a frame.
    rows.add_columns(machines, signals, NOW_MS - 2000, "modbus", [1.0, 2e15, 3.0, 4.0])
    rows.add_columns(machines, signals, NOW_MS + SKEW_MS + 5, "modbus", [1.0, 2.0, 3.0, 4.0])
    rows.extend([(MACHINE.id, signals[0], NOW_MS - 3000, "modbus", 9.0, "bad")])
    found = []
    for name, batch in (
        ("poll", RecordBatch([], rows)),
        ("rows", RecordBatch([], list(rows))),
    ):
        store = SqliteStore(tmp_path / f"{name}.sqlite")
        store.upgrade()
        ingestor = Ingestor(store, PLANT, clock=lambda: NOW)
        result = ingestor.ingest(batch)
        letters = sorted((d.reason_code, d.detail, d.payload) for d in store.dead_letters(10, 0))
        since = NOW - timedelta(hours=1)
        kept = [store.samples(MACHINE.id, s, since, NOW + timedelta(hours=1)) for s in signals]
        frames = store._reader().execute("SELECT count(*) FROM frames").fetchone()[0]
        found.append((result, letters, kept, ingestor.metrics, frames))
        store.close()
    assert found[0][:4] == found[1][:4]
    assert found[0][0].inserted == 4 + 3 + 1
    assert len(found[0][1]) == 5  # the value out of range, and the four of the future read
    assert (found[0][4], found[1][4]) == (1, 0)
