"""CSV import of history: states, counts or samples, validated, idempotent and resumable."""

from pabrik.connectors.csv.config import COLUMNS, CsvOptions

__all__ = ["COLUMNS", "CsvOptions"]
