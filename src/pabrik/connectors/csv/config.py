"""Options of a CSV history import, and the column sets of each kind."""

from __future__ import annotations

import zoneinfo
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from pabrik.model.fields import Identifier

CsvKind = Literal["states", "counts", "samples"]

# Required and optional columns per kind; the header names them, in any order.
COLUMNS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "states": (("ts", "machine", "state"), ("reason", "product", "order")),
    "counts": (("ts", "machine", "good"), ("scrap", "rework", "product")),
    "samples": (("ts", "machine", "signal", "value"), ("quality",)),
}
NUMERIC = frozenset({"value", "good", "scrap", "rework"})
RECORD_KIND = {"states": "state", "counts": "count", "samples": "sample"}


class CsvOptions(BaseModel):
    """How to read one CSV file of history."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: CsvKind
    source: Identifier = "csv"
    delimiter: str = Field(default=",", min_length=1, max_length=1)
    decimal: Literal[".", ","] = "."
    encoding: str = "utf-8-sig"
    timezone: str | None = Field(
        default=None, description="Zone of timestamps written without an offset (else refused)."
    )
    batch_size: int = Field(default=5000, ge=1, le=100_000)

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str) -> str:
        try:
            # Text encodings only: "rot13" or "base64" are codecs that open() refuses.
            "".encode(value)
        except LookupError as err:
            raise ValueError(f"unknown text encoding '{value}'") from err
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                zoneinfo.ZoneInfo(value)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError) as err:
                raise ValueError(f"unknown IANA time zone '{value}'") from err
        return value
