"""Hostile CSV rows: an oversized field, or any row that raises, is one dead letter, not a stop."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pabrik.connectors.contract import KEPT_PAYLOAD_CHARS
from pabrik.connectors.csv.connector import CsvReader
from pabrik.connectors.csv.mapping import RowDecoder
from pabrik.model.records import Record
from pabrik.model.site import Plant
from pabrik.model.validation import Rejection
from pabrik.runtime.ingest.csvimport import CsvOptions, import_csv
from pabrik.runtime.ingest.pipeline import Ingestor
from pabrik.storage.sqlite.store import SqliteStore

NOW = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
T0 = NOW - timedelta(days=1)
WINDOW = (T0 - timedelta(days=1), NOW)


def rows(*values: str) -> str:
    lines = ["ts,machine,signal,value"]
    for i, value in enumerate(values):
        lines.append(f"{(T0 + timedelta(seconds=i)).isoformat()},press-1,temperature,{value}")
    return "\n".join(lines) + "\n"


def test_a_field_over_128_kib_is_dead_lettered_and_the_rows_around_it_are_imported(
    tmp_path: Path, store: SqliteStore, test_plant: Plant
) -> None:
    path = tmp_path / "huge.csv"
    path.write_text(rows("20.5", "x" * 200_000, "21.5", '"1\n2"', "22.5"), encoding="utf-8")
    ingestor = Ingestor(store, test_plant, clock=lambda: NOW)
    report = import_csv(ingestor, path, CsvOptions(kind="samples", batch_size=2))
    assert [s.value for s in store.samples("press-1", "temperature", *WINDOW)] == [
        20.5,
        21.5,
        22.5,
    ]
    assert (report.accepted, report.rejected) == (3, 2)
    assert report.reasons["decode_error"] == 1
    letters = store.dead_letters(10, 0)
    huge = next(d for d in letters if d.reason_code == "decode_error")
    assert "field larger than field limit" in huge.detail
    assert 0 < len(huge.payload) <= KEPT_PAYLOAD_CHARS
    assert huge.context is not None
    assert huge.context["row"] == "2"


class _Exploding(RowDecoder):
    """A row decoder with a bug: a value of 'boom' makes it raise."""

    def decode(
        self, row: Sequence[str], columns: dict[str, int], now: datetime
    ) -> Record | Rejection:
        if "boom" in row:
            raise ZeroDivisionError("a bug in the row decoder")
        return super().decode(row, columns, now)


def test_any_exception_while_decoding_a_row_dead_letters_only_that_row(
    tmp_path: Path, test_plant: Plant
) -> None:
    path = tmp_path / "boom.csv"
    path.write_text(rows("20.5", "boom", "21.5"), encoding="utf-8")
    options = CsvOptions(kind="samples")
    reader = CsvReader(path, options, test_plant)
    reader.decoder = _Exploding(options, test_plant)
    [batch] = list(reader.batches(0, NOW))
    assert [getattr(r, "value", None) for r in batch.records] == [20.5, 21.5]
    [letter] = batch.rejections
    assert letter.reason_code == "decode_error"
    assert "ZeroDivisionError" in letter.detail
    assert letter.context["row"] == "2"
