"""Read a CSV file of history in batches from a row position, with a stable fingerprint."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from pabrik.connectors.contract import (
    DECODE_ERROR,
    KEPT_PAYLOAD_CHARS,
    InputRejection,
    decode_failure,
)
from pabrik.connectors.csv.config import CsvOptions
from pabrik.connectors.csv.mapping import RowDecoder, header_index
from pabrik.model.records import Record
from pabrik.model.site import Plant
from pabrik.model.validation import Rejection

REPLAY_FORMAT = "csv"


def fingerprint(path: Path) -> str:
    """SHA-256 of the file's bytes: the same file resumes, an edited one starts over."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def count_rows(path: Path, encoding: str) -> int:
    """Data rows in the file (lines after the header), for progress."""
    # Only lines are counted: a row in another encoding is the reader's to dead-letter.
    with path.open(encoding=encoding, errors="replace", newline="") as f:
        return max(0, sum(1 for _ in f) - 1)


@dataclass(slots=True)
class Batch:
    """Records and rejections of consecutive rows; ``end_row`` is the last row read."""

    end_row: int
    records: list[Record] = field(default_factory=list)
    rejections: list[InputRejection] = field(default_factory=list)


class CsvReader:
    """Decode a CSV file's rows in batches, skipping rows already imported."""

    def __init__(self, path: Path, options: CsvOptions, plant: Plant) -> None:
        self.path = path
        self.options = options
        self.decoder = RowDecoder(options, plant)

    def batches(self, start_row: int, now: datetime) -> Iterator[Batch]:
        """Batches of rows after ``start_row`` (1 = the first data row)."""
        # Undecodable bytes become lone surrogates, so one such row is refused, not the file.
        encoding = self.options.encoding
        with self.path.open(encoding=encoding, errors="surrogateescape", newline="") as f:
            lines = _Lines(f)
            rows = csv.reader(lines, delimiter=self.options.delimiter)
            header = next(rows, None)
            if header is None:
                return
            columns = header_index(header, self.options.kind)
            context = {
                "format": REPLAY_FORMAT,
                "kind": self.options.kind,
                "header": json.dumps(header),
                "delimiter": self.options.delimiter,
                "decimal": self.options.decimal,
                "timezone": self.options.timezone or "",
                "file": self.path.name,
            }
            batch = Batch(start_row)
            for number, row in enumerate(_rows(rows, lines), start=1):
                if number <= start_row or (isinstance(row, list) and not any(map(str.strip, row))):
                    continue
                self._add(batch, number, row, columns, context, now)
                if len(batch.records) + len(batch.rejections) >= self.options.batch_size:
                    yield batch
                    batch = Batch(number)
            yield batch

    def _add(
        self,
        batch: Batch,
        number: int,
        row: list[str] | _Unreadable,
        columns: dict[str, int],
        context: dict[str, str],
        now: datetime,
    ) -> None:
        batch.end_row = number
        where = context | {"row": str(number)}
        source = self.options.source
        if isinstance(row, _Unreadable):
            batch.rejections.append(decode_failure(source, row.error, row.line, where))
            return
        if not _is_text(row):
            detail = f"row {number}: not valid {self.options.encoding} text"
            text = _row_text(row, self.options.delimiter)
            shown = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
            batch.rejections.append(InputRejection(source, DECODE_ERROR, detail, shown, where))
            return
        try:
            found = self.decoder.decode(row, columns, now)
        except Exception as err:  # noqa: BLE001 - one row must never stop the import
            text = _row_text(row, self.options.delimiter)
            batch.rejections.append(decode_failure(source, err, text, where))
            return
        if isinstance(found, Rejection):
            text = _row_text(row, self.options.delimiter)
            detail = f"row {number}: {found.detail}"
            batch.rejections.append(
                InputRejection(self.options.source, found.code, detail, text, where)
            )
        else:
            batch.records.append(found)


class _Lines:
    """The file's lines for the csv reader, remembering the head of the last one read."""

    def __init__(self, lines: Iterable[str]) -> None:
        self._lines = iter(lines)
        self.last = ""

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.last = line[:KEPT_PAYLOAD_CHARS]
        return line


@dataclass(frozen=True, slots=True)
class _Unreadable:
    """A row the csv reader refused (a field over its limit, a NUL byte...)."""

    error: csv.Error
    line: str


def _rows(rows: Iterator[list[str]], lines: _Lines) -> Iterator[list[str] | _Unreadable]:
    """The reader's rows; a row it refuses comes as _Unreadable and reading goes on."""
    while True:
        try:
            yield next(rows)
        except StopIteration:
            return
        except csv.Error as err:
            yield _Unreadable(err, lines.last)


def _is_text(row: list[str]) -> bool:
    """False when a cell holds bytes the file's encoding could not decode."""
    try:
        "".join(row).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _row_text(row: list[str], delimiter: str) -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="").writerow(row)
    return out.getvalue()
