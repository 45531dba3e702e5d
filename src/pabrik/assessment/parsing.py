"""Helpers that read parsed YAML/JSON data and collect problems by their path."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pabrik.assessment.model import Bilingual
from pabrik.model.errors import ConfigIssue

MISSING: Any = object()


class Reader:
    """Reads values from plain data, noting each problem with its path instead of stopping."""

    def __init__(self) -> None:
        self.issues: list[ConfigIssue] = []

    def problem(self, path: str, message: str) -> None:
        """Note one problem."""
        self.issues.append(ConfigIssue(path, message))

    def mapping(self, data: object, path: str) -> Mapping[str, Any]:
        """``data`` as a mapping, or an empty one after noting the problem."""
        if isinstance(data, Mapping):
            return data
        self.problem(path, "must be a mapping")
        return {}

    def items(self, data: Mapping[str, Any], key: str, path: str) -> list[Any]:
        """A required, non-empty list."""
        value = data.get(key, MISSING)
        where = _join(path, key)
        if value is MISSING:
            self.problem(where, "missing required field")
            return []
        if not isinstance(value, Sequence) or isinstance(value, str) or not value:
            self.problem(where, "must be a non-empty list")
            return []
        return list(value)

    def optional_items(self, data: Mapping[str, Any], key: str, path: str) -> list[Any]:
        """An optional list (empty when absent)."""
        if key not in data:
            return []
        value = data[key]
        if not isinstance(value, Sequence) or isinstance(value, str):
            self.problem(_join(path, key), "must be a list")
            return []
        return list(value)

    def text(self, data: Mapping[str, Any], key: str, path: str, default: str | None = None) -> str:
        """A required (or defaulted) non-empty string."""
        value = data.get(key, MISSING)
        if value is MISSING:
            if default is not None:
                return default
            self.problem(_join(path, key), "missing required field")
            return ""
        if not isinstance(value, str) or not value.strip():
            self.problem(_join(path, key), "must be a non-empty string")
            return ""
        return value

    def integer(
        self,
        data: Mapping[str, Any],
        key: str,
        path: str,
        *,
        low: int | None = None,
        high: int | None = None,
        default: int | None = None,
    ) -> int:
        """A required (or defaulted) integer within [low, high]."""
        value = data.get(key, MISSING)
        where = _join(path, key)
        if value is MISSING:
            if default is not None:
                return default
            self.problem(where, "missing required field")
            return low or 0
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(where, "must be a whole number")
            return low or 0
        if (low is not None and value < low) or (high is not None and value > high):
            self.problem(where, f"{value} is outside {low}–{high}")
        return value

    def number(self, value: object, path: str) -> float:
        """A number (int or float)."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.problem(path, "must be a number")
            return 0.0
        return float(value)

    def flag(self, data: Mapping[str, Any], key: str, path: str, default: bool) -> bool:
        """An optional boolean."""
        value = data.get(key, default)
        if not isinstance(value, bool):
            self.problem(_join(path, key), "must be true or false")
            return default
        return value

    def bilingual(
        self, data: Mapping[str, Any], key: str, path: str, *, required: bool = True
    ) -> Bilingual | None:
        """A ``{id: ..., en: ..., ko: ...}`` text; English falls back to Indonesian."""
        value = data.get(key, MISSING)
        where = _join(path, key)
        if value is MISSING:
            if required:
                self.problem(where, "missing required field")
                return Bilingual("", "")
            return None
        if isinstance(value, str):
            return Bilingual(value, value)
        block = self.mapping(value, where)
        indonesian = self.text(block, "id", where) if block else ""
        english = block.get("en", indonesian)
        korean = block.get("ko", "")
        return Bilingual(
            indonesian,
            english if isinstance(english, str) else indonesian,
            korean if isinstance(korean, str) else "",
        )

    def label(self, data: Mapping[str, Any], key: str, path: str) -> Bilingual:
        """A required bilingual text."""
        value = self.bilingual(data, key, path)
        return value if value is not None else Bilingual("", "")

    def identifiers(self, data: Mapping[str, Any], key: str, path: str) -> tuple[str, ...]:
        """An optional list of identifiers."""
        found: list[str] = []
        for i, item in enumerate(self.optional_items(data, key, path)):
            if isinstance(item, str) and item:
                found.append(item)
            else:
                self.problem(f"{_join(path, key)}[{i}]", "must be an identifier")
        return tuple(found)

    def unique(self, ids: Sequence[tuple[str, str]], what: str) -> None:
        """Note every id that appears more than once (pairs of id and path)."""
        seen: set[str] = set()
        for ident, path in ids:
            if ident in seen:
                self.problem(path, f"duplicate {what} id '{ident}'")
            seen.add(ident)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key
