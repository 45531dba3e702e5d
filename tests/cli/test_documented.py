"""Every setting and every command-line option is documented in docs/settings.md."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import typer
from typer.core import TyperGroup

from pabrik.cli.app import app
from pabrik.runtime.settings import Settings
from tests.paths import DOCS

DOC = DOCS / "settings.md"
HEADING = re.compile(r"^#{2,4} `(pabrik[^`]*)`\s*$", re.MULTILINE)


def _sections(text: str) -> dict[str, str]:
    """The body under each command heading, keyed by the command line it names."""
    matches = list(HEADING.finditer(text))
    ends = [m.start() for m in matches[1:]] + [len(text)]
    return {m.group(1): text[m.end() : end] for m, end in zip(matches, ends, strict=True)}


# Typer builds its commands on a private copy of click, so they are typed loosely here.
def _commands(command: Any, path: str) -> Iterator[tuple[str, Any]]:
    """Every command and group under ``command``, by its full command line."""
    yield path, command
    if isinstance(command, TyperGroup):
        for name, sub in sorted(command.commands.items()):
            yield from _commands(sub, f"{path} {name}")


def test_every_setting_is_documented_by_its_environment_variable() -> None:
    text = DOC.read_text(encoding="utf-8")
    missing = [
        f"PABRIK_{name.upper()}"
        for name in Settings.model_fields
        if f"`PABRIK_{name.upper()}`" not in text
    ]
    assert not missing, f"settings missing from {DOC.name}: {', '.join(missing)}"


def test_every_command_and_option_is_documented_under_its_command() -> None:
    sections = _sections(DOC.read_text(encoding="utf-8"))
    missing: list[str] = []
    for path, command in _commands(typer.main.get_command(app), "pabrik"):
        if path not in sections:
            missing.append(path)
            continue
        missing.extend(
            f"{path} {opt}"
            for param in command.params
            for opt in param.opts
            if f"`{opt}`" not in sections[path]
        )
    assert not missing, f"missing from {DOC.name}: {', '.join(missing)}"
