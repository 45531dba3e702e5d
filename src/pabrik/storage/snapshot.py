"""What a backend reports about a consistent copy it made: when, which schema, how many rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A copy's cut-off instant, schema version and rows per table, all from one snapshot."""

    cut_off: datetime
    schema_version: int
    row_counts: dict[str, int]
