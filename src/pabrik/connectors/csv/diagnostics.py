"""The outcome of a CSV import as plain data, and the common diagnostics report of an import."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pabrik.connectors.contract import ConnectionState, ConnectorMetrics, report
from pabrik.connectors.csv.config import CsvOptions

KIND = "csv"


def diagnostics(
    config: CsvOptions,
    metrics: ConnectorMetrics,
    state: ConnectionState,
    details: Mapping[str, Any],
) -> dict[str, Any]:
    """The common report (see ``contract.report``) of a CSV import; its name is the source."""
    return report(KIND, config.source, config.model_dump(mode="json"), metrics, state, details)


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

    def metrics(self) -> ConnectorMetrics:
        """The import's rows as the counters every connector keeps."""
        return ConnectorMetrics(received=self.rows, accepted=self.accepted, rejected=self.rejected)
