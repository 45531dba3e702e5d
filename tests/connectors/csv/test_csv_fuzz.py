"""Fuzz the CSV import: after any hostile rows, the good row that follows is stored.

10,000 files, each a header, one to three hostile rows and a good row, go through the real
import into SQLite; every hostile row is stored or dead-lettered, never the whole file.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pabrik.model.site import Plant
from pabrik.runtime.ingest.csvimport import CsvOptions, import_csv
from pabrik.runtime.ingest.pipeline import Ingestor
from pabrik.storage.sqlite.store import SqliteStore
from tests.connectors.hostile import Choices, Ledger

HEADER = b"ts,machine,signal,value,quality\n"
OPTIONS = CsvOptions(kind="samples")
_NOW = datetime.now(UTC)
BASE = _NOW - timedelta(hours=1)
_seq = itertools.count(1)


TIMES = [
    _NOW.replace(tzinfo=None).isoformat(),  # no offset
    str(int(_NOW.timestamp() * 1000)),
    "99999999999999999",
    "1" * 5000,
    "²³",
    "-1",
    "1601-01-01T00:00:00Z",
    "9999-12-31T23:59:59.999999-12:00",
    "0001-01-01T00:00:00+14:00",
    "2025-02-30T00:00:00Z",
    "",
    "NaN",
]
MACHINES = ["press-1", "press-2", "press-9", "", " ", "PRESS-1", "x" * 70, "\x00"]
SIGNALS = ["temperature", "pressure", "speed", "ghost", "", "Temperature"]
NUMBERS = [
    "1e308",
    "-1e308",
    "1e309",
    "1e-400",
    "NaN",
    "-Infinity",
    "1" * 5000,
    "0." + "0" * 3000 + "1",
    "9007199254740993",
    "0x10",
    "1,5",
    "1_000",
    "²",
    "٣",
    "true",
    "null",
    "[1]",
    "",
    " 2 ",
]
QUALITIES = ["good", "bad", "uncertain", "", "GOOD", "0", "x" * 100]
# Raw lines: no quotes (one would swallow the rows after it, as CSV says) and no newlines.
RAW = [
    b"\xff\xfe,press-1,temperature,1",
    b"2025-01-01T00:00:00Z,press-1,temperature,\xc3\x28",
    b"\xef\xbb\xbf,\xef\xbb\xbf",
    b",,,,,,,,",
    b"   ",
    b"\x00\x00\x00",
    b"a;b;c;d",
    b"x" * 140_000,  # a field over the csv module's 128 KiB limit
]


class _Rows(Choices):
    """Hostile CSV lines read from Hypothesis bytes."""

    def time(self) -> str:
        if self.byte() % 3 == 0:
            return self.pick(TIMES)
        seconds = int.from_bytes(self.take(4), signed=True)  # up to 68 years either way
        return (_NOW + timedelta(seconds=seconds)).isoformat()

    def numeral(self) -> str:
        how = self.byte() % 4
        if how == 0:
            return self.pick(NUMBERS)
        if how == 1:
            return repr(self.double())
        return str(self.integer()) if how == 2 else self.text()

    def row(self) -> bytes:
        how = self.byte() % 5
        if how == 0:
            return _one_line(self.take(self.byte() % 40))
        if how == 1:
            return _one_line(RAW[self.byte() % len(RAW)])
        cells = [self.time(), self.pick(MACHINES), self.pick(SIGNALS), self.numeral()]
        cells += [self.pick(QUALITIES)]
        cut = self.byte() % 16  # now and then too few cells, or one too many
        if cut < 4:
            cells = cells[:cut]
        elif cut == 4:
            cells.append("extra")
        return _cells_line(cells)


def hostile_rows(data: bytes) -> list[bytes]:
    """One to three hostile CSV lines read from ``data``."""
    source = _Rows(data)
    return [source.row() for _ in range(1 + source.byte() % 3)]


def _one_line(data: bytes) -> bytes:
    return data.replace(b'"', b"'").replace(b"\r", b"").replace(b"\n", b"") + b"\n"


def _cells_line(cells: list[str]) -> bytes:
    out = io.StringIO()
    # "\r\n" as terminator, so the writer quotes a cell holding either character.
    csv.writer(out, lineterminator="\r\n").writerow(cells)
    return out.getvalue().encode("utf-8", "surrogatepass")


def _is_blank(line: bytes) -> bool:
    """As the importer judges it: every cell empty once stripped."""
    if len(line) > csv.field_size_limit():
        return False  # the importer dead-letters it
    text = line.decode("utf-8", "replace")
    try:
        [row] = list(csv.reader(io.StringIO(text))) or [[]]
    except csv.Error:  # a field over the limit: a row the importer dead-letters
        return False
    return not any(map(str.strip, row))


# One draw of bytes per case: Hypothesis's cost per draw, not the import, would dominate.
hostile_lines = st.binary(min_size=8, max_size=80).map(hostile_rows)


@pytest.fixture
def world(tmp_path: Path, test_plant: Plant) -> Iterator[Ledger]:
    store = SqliteStore(tmp_path / "f.sqlite", synchronous="NORMAL")
    store.upgrade()
    yield Ledger(store, Ingestor(store, test_plant))
    store.close()


EXPECTED = {
    "decode_error",
    "wrong_type",
    "not_finite",
    "out_of_range",
    "bad_timestamp",
    "naive_timestamp",
    "clock_skew",
    "too_old",
    "unknown_machine",
    "unknown_signal",
    "missing_field",
}


@pytest.mark.slow
def test_after_any_hostile_rows_the_next_good_row_is_imported(
    world: Ledger, tmp_path: Path
) -> None:
    ledger = world
    path = tmp_path / "hostile.csv"

    @settings(
        max_examples=10_000,
        deadline=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(lines=hostile_lines)
    def one(lines: list[bytes]) -> None:
        n = next(_seq)
        ts = BASE + timedelta(milliseconds=n)
        good = f"{ts.isoformat()},press-1,temperature,{n},good\n".encode()
        # A new file each time: rewriting one in place makes ext4 flush it, 2 ms a case.
        path.unlink(missing_ok=True)
        path.write_bytes(HEADER + b"".join(lines) + good)
        ledger.mark()
        report = import_csv(ledger.ingestor, path, OPTIONS)
        letters = ledger.letters()
        rows = sum(not _is_blank(line) for line in lines) + 1
        assert report.accepted + report.rejected == rows, [line[:80] for line in lines]
        assert report.rejected == len(letters)
        stored = ledger.store.samples("press-1", "temperature", ts, ts + timedelta(milliseconds=1))
        assert [s.value for s in stored] == [float(n)]

    one()
    # The hostile rows met every rule on the path, not only the first one.
    assert ledger.codes >= EXPECTED, EXPECTED - ledger.codes
