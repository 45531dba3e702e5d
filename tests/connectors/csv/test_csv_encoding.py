"""Rows the fuzz found: bytes the file's encoding cannot decode, digits that are no number."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from pabrik.model.site import Plant
from pabrik.runtime.ingest.csvimport import CsvOptions, import_csv
from pabrik.runtime.ingest.pipeline import Ingestor
from pabrik.storage.sqlite.store import SqliteStore

NOW = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
T0 = NOW - timedelta(days=1)
WINDOW = (T0 - timedelta(days=1), NOW)


def line(i: int, value: str) -> bytes:
    return f"{(T0 + timedelta(seconds=i)).isoformat()},press-1,temperature,{value}\n".encode()


def test_a_row_the_encoding_cannot_decode_is_dead_lettered_and_the_others_imported(
    tmp_path: Path, store: SqliteStore, test_plant: Plant
) -> None:
    # Before: UnicodeDecodeError escaped while counting rows, and nothing was imported.
    path = tmp_path / "mixed.csv"
    body = line(0, "20.5") + b"\xff\xfe,press-1,temperature,2\n" + line(2, "21.5")
    path.write_bytes(b"ts,machine,signal,value\n" + body)
    report = import_csv(
        Ingestor(store, test_plant, clock=lambda: NOW), path, CsvOptions(kind="samples")
    )
    assert [s.value for s in store.samples("press-1", "temperature", *WINDOW)] == [20.5, 21.5]
    assert (report.accepted, report.rejected) == (2, 1)
    [letter] = store.dead_letters(10, 0)
    assert letter.reason_code == "decode_error"
    assert letter.detail == "row 2: not valid utf-8-sig text"
    assert letter.payload == "\\xff\\xfe,press-1,temperature,2"
    assert letter.context is not None
    assert letter.context["row"] == "2"


@pytest.mark.parametrize(("ts", "code"), [("²³", "bad_timestamp"), ("1" * 5000, "naive_timestamp")])
def test_digits_that_are_no_epoch_are_refused_as_a_timestamp(
    tmp_path: Path, store: SqliteStore, test_plant: Plant, ts: str, code: str
) -> None:
    # Before: int() raised on them, and the row became a decode_error.
    path = tmp_path / "digits.csv"
    path.write_text(f"ts,machine,signal,value\n{ts},press-1,temperature,1\n", encoding="utf-8")
    import_csv(Ingestor(store, test_plant, clock=lambda: NOW), path, CsvOptions(kind="samples"))
    assert [d.reason_code for d in store.dead_letters(10, 0)] == [code]


@pytest.mark.parametrize("encoding", ["nope", "rot13", "base64", ""])
def test_an_unknown_text_encoding_is_refused_with_a_clear_error(encoding: str) -> None:
    # Before: accepted, then LookupError escaped from the import.
    with pytest.raises(ValidationError, match="unknown text encoding"):
        CsvOptions(kind="samples", encoding=encoding)
