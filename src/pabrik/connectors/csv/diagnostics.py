"""The outcome of a CSV import as plain data, for the command line and support."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class ImportReport:
    """Rows read, accepted and rejected (with reasons) for one file and kind.

    ``accepted`` counts valid rows over every run of the file; ``inserted`` counts rows new
    to the store in this run (a re-imported row is accepted but not inserted again).
    """

    file: str
    kind: str
    fingerprint: str
    rows: int = 0
    accepted: int = 0
    rejected: int = 0
    inserted: int = 0
    resumed_from: int = 0
    already_done: bool = False
    reasons: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data."""
        return {
            "file": self.file,
            "kind": self.kind,
            "fingerprint": self.fingerprint,
            "rows": self.rows,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "inserted": self.inserted,
            "resumed_from": self.resumed_from,
            "already_done": self.already_done,
            "reasons": dict(self.reasons.most_common()),
        }
