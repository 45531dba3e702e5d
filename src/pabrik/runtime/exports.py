"""One rule for every CSV and XLSX export: no cell is read as a spreadsheet formula."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def safe_cell(value: object) -> object:
    """A text starting like a formula gets a leading apostrophe; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _number(value):
        return "'" + value
    return value


def safe_row(row: Iterable[object]) -> list[object]:
    """Every cell of a row made safe."""
    return [safe_cell(c) for c in row]


def safe_rows(rows: Iterable[Iterable[object]]) -> list[list[object]]:
    """Every row made safe."""
    return [safe_row(r) for r in rows]


def safe_csv(text: str) -> str:
    """CSV text with every cell made safe (quoting and line ends kept as CSV)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows(safe_rows(csv.reader(io.StringIO(text))))
    return out.getvalue()


def unsafe_text(text: str) -> str:
    """A safe cell's original text (the apostrophe removed), for reading an export back."""
    if text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text
