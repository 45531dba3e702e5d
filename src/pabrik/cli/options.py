"""Parsers for command-line option values."""

from __future__ import annotations

from datetime import datetime

import typer


def instant(value: str) -> datetime:
    """An ISO 8601 instant that carries a UTC offset."""
    try:
        ts = datetime.fromisoformat(value)
    except ValueError as err:
        raise typer.BadParameter(f"{value!r} is not ISO 8601") from err
    if ts.tzinfo is None:
        raise typer.BadParameter("give a UTC offset, e.g. 2025-01-06T07:00+07:00")
    return ts
