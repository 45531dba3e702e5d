"""Reading a programme spreadsheet (CSV or XLSX) as a stream, with limits checked while reading.

A small .xlsx can unpack to a million rows. openpyxl, even read-only, parses a whole sheet
when it declares no size, so every part of the archive is first streamed here: rows are counted
and bytes unpacked are summed as they come, and the file is refused as soon as it passes a
limit, never after reading it all. Then the workbook is opened read-only and its rows are read
lazily, each limit checked again.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
import zlib
from collections.abc import Iterable, Iterator

from openpyxl import load_workbook

from pabrik.model.errors import InvalidRequestError

MAX_ROWS = 20000
MAX_COLUMNS = 200
MAX_CELL_CHARS = 2000
MAX_BYTES = 20 * 1024 * 1024
MAX_UNPACKED = 100 * 1024 * 1024
CHUNK = 64 * 1024
ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s/>]")


def _refuse(message: str) -> InvalidRequestError:
    return InvalidRequestError(message, reason="bad_import")


def part_chunks(archive: zipfile.ZipFile, name: str) -> Iterator[bytes]:
    """One part of the archive, unpacked a chunk at a time."""
    with archive.open(name) as part:
        while chunk := part.read(CHUNK):
            yield chunk


def _new_rows(tail: bytes, chunk: bytes) -> int:
    """Row tags that end in ``chunk`` (one cut between two chunks is counted once)."""
    window = tail + chunk
    return sum(1 for m in ROW_TAG.finditer(window) if m.end() > len(tail))


def _check_part(archive: zipfile.ZipFile, name: str, unpacked: int) -> int:
    """Stream one part, refusing it past the limits; the bytes unpacked so far."""
    sheet = name.startswith("xl/worksheets/") and name.endswith(".xml")
    rows, tail = 0, b""
    for chunk in part_chunks(archive, name):
        unpacked += len(chunk)
        if unpacked > MAX_UNPACKED:
            raise _refuse("the file unpacks to more than 100 MB")
        if sheet:
            rows += _new_rows(tail, chunk)
            tail = (tail + chunk)[-64:]
            if rows > MAX_ROWS + 1:
                raise _refuse(f"at most {MAX_ROWS} rows per file")
    return unpacked


def check_xlsx(data: bytes) -> None:
    """Refuse an archive that unpacks past the size limit or whose sheets pass the row limit."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as err:
        raise _refuse("not a readable .xlsx file") from err
    with archive:
        if sum(i.file_size for i in archive.infolist()) > MAX_UNPACKED:
            raise _refuse("the file unpacks to more than 100 MB")
        unpacked = 0
        try:
            for name in archive.namelist():
                unpacked = _check_part(archive, name, unpacked)
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as err:
            raise _refuse("not a readable .xlsx file") from err


def xlsx_rows(data: bytes) -> Iterator[list[str]]:
    """The first sheet's rows as text, read lazily from a read-only workbook."""
    check_xlsx(data)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as err:
        raise _refuse("not a readable .xlsx file") from err
    try:
        sheet = book.worksheets[0]
        if (sheet.max_row or 0) > MAX_ROWS + 1 or (sheet.max_column or 0) > MAX_COLUMNS:
            raise _refuse(f"at most {MAX_ROWS} rows and {MAX_COLUMNS} columns per file")
        for row in sheet.iter_rows(values_only=True):
            yield ["" if v is None else _cell(v) for v in row]
    finally:
        book.close()


def csv_rows(data: bytes) -> Iterator[list[str]]:
    """A CSV file's rows, parsed line by line."""
    text = data.decode("utf-8-sig", errors="replace")
    yield from csv.reader(io.StringIO(text))


def _cell(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def bounded(rows: Iterable[list[str]]) -> Iterator[list[str]]:
    """The rows, refused at the first one past a row, column or cell-size limit."""
    for count, row in enumerate(rows, start=1):
        if count > MAX_ROWS + 1:
            raise _refuse(f"at most {MAX_ROWS} rows per file")
        if len(row) > MAX_COLUMNS:
            raise _refuse(f"at most {MAX_COLUMNS} columns per file")
        if any(len(cell) > MAX_CELL_CHARS for cell in row):
            raise _refuse(f"at most {MAX_CELL_CHARS} characters per cell")
        yield row


def table_rows(data: bytes, filename: str) -> Iterator[list[str]]:
    """The rows of a .csv or .xlsx file, each limit checked while reading."""
    if len(data) > MAX_BYTES:
        raise _refuse("the file is larger than 20 MB")
    name = filename.lower()
    if name.endswith(".xlsx"):
        return bounded(xlsx_rows(data))
    if name.endswith(".csv"):
        return bounded(csv_rows(data))
    raise _refuse("import a .csv or .xlsx file")
