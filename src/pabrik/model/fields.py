"""What every configuration model shares: a strict frozen base, ids, money and bilingual text."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    model_serializer,
)

Identifier = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_-]*$")]
Money = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=2)]


class StrictModel(BaseModel):
    """A configuration model that rejects unknown keys and never changes once read."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(StrictModel):
    """A label in Bahasa Indonesia with optional English and Korean forms."""

    id: str = Field(min_length=1, max_length=200)
    en: str | None = Field(default=None, max_length=200)
    ko: str | None = Field(default=None, max_length=200)

    @model_serializer(mode="wrap")
    def _without_missing_korean(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # A text without Korean dumps as before ko existed, so fingerprints of a plant stay put.
        data: dict[str, Any] = handler(self)
        if self.ko is None:
            data.pop("ko", None)
        return data

    def get(self, locale: str) -> str:
        """The label in ``locale``; Korean falls back to English, everything to Indonesian."""
        if locale == "ko" and self.ko:
            return self.ko
        return self.en if locale in ("en", "ko") and self.en else self.id
