"""Public JSON shapes every API capability shares: the base model, labels and errors."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from pabrik.model.fields import Text


class PublicModel(BaseModel):
    """A frozen public shape."""

    model_config = ConfigDict(frozen=True)


class TextPublic(PublicModel):
    """A label in Indonesian with an optional English form."""

    id: str
    en: str | None = None

    @classmethod
    def of(cls, text: Text | None) -> TextPublic | None:
        """The public form of a label."""
        return None if text is None else cls(id=text.id, en=text.en)


class ErrorBody(PublicModel):
    """What went wrong, by stable code, with a message in the request's language."""

    code: str
    message: str
    details: dict[str, Any]


class ErrorPublic(PublicModel):
    """The JSON body of every API error."""

    error: ErrorBody
