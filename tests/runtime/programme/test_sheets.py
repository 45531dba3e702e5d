"""Programme spreadsheets are read as a stream and refused at the first row past a limit."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator

import pytest

from pabrik.model.errors import InvalidRequestError
from pabrik.runtime.programme import sheets


def _rows(count: int, width: int = 2, cell: str = "1") -> Iterator[list[str]]:
    for _ in range(count):
        yield [cell] * width


def test_rows_past_the_limit_are_refused_without_reading_the_rest(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sheets, "MAX_ROWS", 10)
    pulled = 0

    def counted() -> Iterator[list[str]]:
        nonlocal pulled
        for row in _rows(1_000_000):
            pulled += 1
            yield row

    with pytest.raises(InvalidRequestError, match="at most 10 rows"):
        list(sheets.bounded(counted()))
    assert pulled == 12


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (_rows(1, width=sheets.MAX_COLUMNS + 1), "columns"),
        (_rows(1, cell="x" * (sheets.MAX_CELL_CHARS + 1)), "characters"),
    ],
)
def test_too_wide_a_row_or_too_long_a_cell_is_refused(
    rows: Iterator[list[str]], message: str
) -> None:
    with pytest.raises(InvalidRequestError, match=message):
        list(sheets.bounded(rows))


def test_a_csv_past_the_row_limit_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sheets, "MAX_ROWS", 3)
    data = "\n".join(["nib"] + ["1"] * 10).encode()
    with pytest.raises(InvalidRequestError, match="at most 3 rows"):
        list(sheets.table_rows(data, "a.csv"))


def test_a_zip_bomb_is_refused_by_its_declared_size(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sheets, "MAX_UNPACKED", 1000)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/sharedStrings.xml", b"a" * 100_000)
    with pytest.raises(InvalidRequestError, match="unpacks"):
        sheets.check_xlsx(buf.getvalue())
