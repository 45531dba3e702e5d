"""The SQLite schema: the shipped migrations and how a migration script splits into statements."""

from __future__ import annotations

import sqlite3
from importlib import resources


def migrations() -> list[tuple[int, str]]:
    """The versioned SQL migrations shipped with pabrik, in order."""
    folder = resources.files("pabrik.storage.sqlite").joinpath("migrations")
    found = [
        (int(f.name.split("_", 1)[0]), f.read_text(encoding="utf-8"))
        for f in folder.iterdir()
        if f.name.endswith(".sql")
    ]
    return sorted(found)


def sql_statements(script: str) -> list[str]:
    """Split a migration script into statements (triggers included) without committing."""
    statements: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer)
            buffer = ""
    return statements
