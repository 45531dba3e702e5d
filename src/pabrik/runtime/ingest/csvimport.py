"""Import a CSV file of history: batches committed with their checkpoint, so it resumes."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from pabrik.connectors.csv.config import CsvOptions
from pabrik.connectors.csv.connector import CsvReader, count_rows, fingerprint
from pabrik.connectors.csv.diagnostics import ImportReport
from pabrik.connectors.csv.mapping import MissingColumnsError
from pabrik.model.errors import InvalidRequestError
from pabrik.runtime.ingest.pipeline import Ingestor

Progress = Callable[[int, int], None]

__all__ = ["CsvOptions", "ImportReport", "Progress", "import_csv"]


def checkpoint_name(options: CsvOptions, digest: str) -> str:
    """The checkpoint of one file (by content), kind and source."""
    return f"csv:{options.kind}:{options.source}:{digest}"


def import_csv(
    ingestor: Ingestor, path: Path, options: CsvOptions, progress: Progress | None = None
) -> ImportReport:
    """Import rows after the last committed one; report accepted and rejected rows."""
    try:
        digest = fingerprint(path)
        total = count_rows(path, options.encoding)
    except OSError as err:
        raise InvalidRequestError(f"cannot read {path}: {err.strerror}", path=str(path)) from err
    name = checkpoint_name(options, digest)
    report = _resumed(ingestor, name, ImportReport(str(path), options.kind, digest))
    if report.already_done:
        return report
    reader = CsvReader(path, options, ingestor.plant)
    try:
        for batch in reader.batches(report.rows, ingestor.clock()):
            for r in batch.rejections:
                ingestor.reject_input(r.source, r.reason_code, r.detail, r.payload, dict(r.context))
                report.reasons[r.reason_code] += 1
            report.rows = batch.end_row
            report.rejected += len(batch.rejections)
            report.accepted += len(batch.records)
            # The checkpoint commits in the same transaction as the rows it counts.
            written = ingestor.ingest(batch.records, {name: _state(report, done=False)})
            report.inserted += written.inserted
            if progress is not None:
                progress(report.rows, total)
    except (MissingColumnsError, UnicodeDecodeError) as err:
        raise InvalidRequestError(f"{path}: {err}", path=str(path)) from err
    ingestor.flush({name: _state(report, done=True)})
    return report


def _resumed(ingestor: Ingestor, name: str, report: ImportReport) -> ImportReport:
    saved = ingestor.store.checkpoint(name)
    if saved is None:
        return report
    data = json.loads(saved)
    report.rows = report.resumed_from = int(data["row"])
    report.accepted = int(data["accepted"])
    report.rejected = int(data["rejected"])
    report.reasons = Counter({str(k): int(v) for k, v in data.get("reasons", {}).items()})
    report.already_done = bool(data["done"])
    return report


def _state(report: ImportReport, *, done: bool) -> str:
    return json.dumps(
        {
            "row": report.rows,
            "accepted": report.accepted,
            "rejected": report.rejected,
            "reasons": dict(report.reasons),
            "done": done,
        }
    )
