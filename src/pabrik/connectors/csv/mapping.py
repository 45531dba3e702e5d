"""One CSV row to one record, through the same payload decoding as MQTT, or a reason."""

from __future__ import annotations

import json
import zoneinfo
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pabrik.connectors.csv.config import COLUMNS, NUMERIC, RECORD_KIND, CsvOptions
from pabrik.model.records import Record
from pabrik.model.site import Plant
from pabrik.model.validation import Rejection, check_record, decode_payload

# A row is small; anything bigger is not a row of history.
MAX_ROW_BYTES = 16 * 1024
# Epoch milliseconds have 13 digits today; more than 20 is text to refuse, not a number.
_EPOCH_DIGITS = 20


class MissingColumnsError(ValueError):
    """The header lacks a required column of the kind."""


def header_index(header: Sequence[str], kind: str) -> dict[str, int]:
    """Column positions by name; raises when a required column is missing."""
    names = [h.strip().lower() for h in header]
    required, optional = COLUMNS[kind]
    missing = [c for c in required if c not in names]
    if missing:
        raise MissingColumnsError(
            f"{kind} CSV needs columns {', '.join(required)} (missing: {', '.join(missing)});"
            f" optional: {', '.join(optional)}"
        )
    return {name: names.index(name) for name in (*required, *optional) if name in names}


class RowDecoder:
    """Decode rows of one kind for one plant."""

    def __init__(self, options: CsvOptions, plant: Plant) -> None:
        self.options = options
        self.plant = plant
        self.kind = RECORD_KIND[options.kind]
        self.zone = zoneinfo.ZoneInfo(options.timezone) if options.timezone else None

    def decode(
        self, row: Sequence[str], columns: dict[str, int], now: datetime
    ) -> Record | Rejection:
        """The record of a row, checked against the plant and the clock."""
        if sum(len(c) for c in row) > MAX_ROW_BYTES:
            return Rejection("payload_too_large", f"row is over {MAX_ROW_BYTES} bytes")
        cells = {name: row[i].strip() if i < len(row) else "" for name, i in columns.items()}
        machine = cells.pop("machine", "")
        signal = cells.pop("signal", "") or None
        if not machine:
            return Rejection("missing_field", "'machine' is empty")
        payload = {k: self._cell(k, v) for k, v in cells.items() if v != ""}
        try:
            decoded = decode_payload(
                json.dumps(payload, allow_nan=True),
                kind=self.kind,
                source=self.options.source,
                machine_id=machine,
                signal_id=signal,
                max_bytes=MAX_ROW_BYTES * 2,
            )
        except OverflowError:
            return Rejection("not_finite", "a number is too large")
        if isinstance(decoded, Rejection):
            return decoded
        return check_record(decoded, self.plant, now) or decoded

    def _cell(self, name: str, text: str) -> Any:
        if name == "ts":
            return self._timestamp(text)
        if name in NUMERIC:
            return _number(text, self.options.decimal)
        return text

    def _timestamp(self, text: str) -> Any:
        # ASCII only ("²".isdigit() holds, yet int() refuses it); a longer run is no epoch.
        if text.isascii() and text.isdigit() and len(text) <= _EPOCH_DIGITS:
            return int(text)
        if self.zone is not None:
            try:
                ts = datetime.fromisoformat(text)
            except ValueError:
                return text
            if ts.tzinfo is None:
                return ts.replace(tzinfo=self.zone).isoformat()
        return text


def _number(text: str, decimal: str) -> Any:
    """Numbers as numbers; anything else stays text, so decoding reports a wrong type."""
    plain = text.replace(",", ".") if decimal == "," else text
    for parse in (int, float):
        try:
            return parse(plain)
        except ValueError:
            continue
    return text
