"""``pabrik config export|import|versions|diff|restore``: the stored, versioned configuration."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from pabrik.cli.errors import run_guarded
from pabrik.cli.options import DATA_DIR, DatabaseUrlOpt, DataDirOpt, DebugOpt
from pabrik.runtime.plant import configfile
from pabrik.runtime.settings import Settings

VersionOpt = Annotated[
    int | None, typer.Option("--version", help="A stored version (default: the current one).")
]
UserOpt = Annotated[
    str | None, typer.Option("--user", help="Who saves, for the history (default: you).")
]
NoteOpt = Annotated[str, typer.Option("--note", help="Why, for the history.")]


def _settings(data_dir: Path, database_url: str) -> Settings:
    return Settings(data_dir=data_dir, database_url=database_url)


def _user(user: str | None) -> str:
    return user or f"cli:{getpass.getuser()}"


def export(
    out: Annotated[
        Path | None, typer.Option("--out", help="File to write (default: standard output).")
    ] = None,
    version: VersionOpt = None,
    data_dir: DataDirOpt = DATA_DIR,
    database_url: DatabaseUrlOpt = "",
    debug: DebugOpt = False,
) -> None:
    """Write the stored site configuration as YAML (it imports back byte for byte)."""

    def run() -> None:
        number, text = configfile.export_config(_settings(data_dir, database_url), version)
        if out is None:
            sys.stdout.write(text)
        else:
            configfile.write_export(out, text)
            Console(stderr=True).print(f"version {number} written to {out}")

    run_guarded(run, debug=debug)


def import_(
    file: Annotated[Path, typer.Argument(help="Site YAML file to import.")],
    user: UserOpt = None,
    note: NoteOpt = "",
    data_dir: DataDirOpt = DATA_DIR,
    database_url: DatabaseUrlOpt = "",
    debug: DebugOpt = False,
) -> None:
    """Check a file and store it as a new version; running processes pick it up live."""

    def run() -> None:
        settings = _settings(data_dir, database_url)
        result = configfile.import_config(settings, file, _user(user), note)
        what = "imported as version" if result.created else "unchanged: still version"
        Console().print(f"[green]OK[/green] {file}: {what} {result.version}")

    run_guarded(run, debug=debug)


def versions(
    data_dir: DataDirOpt = DATA_DIR, database_url: DatabaseUrlOpt = "", debug: DebugOpt = False
) -> None:
    """List the stored versions, newest first: number, when, who, note."""

    def run() -> None:
        for v in configfile.config_history(_settings(data_dir, database_url)):
            restored = f" (restores v{v.restored_from})" if v.restored_from else ""
            when = v.saved_at.strftime("%Y-%m-%d %H:%M:%S UTC")
            typer.echo(f"v{v.version}  {when}  {v.saved_by}  {v.note}{restored}")

    run_guarded(run, debug=debug)


def diff(
    a: Annotated[int, typer.Argument(help="Older version.")],
    b: Annotated[int, typer.Argument(help="Newer version.")],
    data_dir: DataDirOpt = DATA_DIR,
    database_url: DatabaseUrlOpt = "",
    debug: DebugOpt = False,
) -> None:
    """Show what changed between two versions, as a unified diff of their YAML."""

    def run() -> None:
        sys.stdout.write(configfile.config_diff(_settings(data_dir, database_url), a, b))

    run_guarded(run, debug=debug)


def restore(
    version: Annotated[int, typer.Argument(help="The version to make current again.")],
    user: UserOpt = None,
    note: NoteOpt = "",
    data_dir: DataDirOpt = DATA_DIR,
    database_url: DatabaseUrlOpt = "",
    debug: DebugOpt = False,
) -> None:
    """Make an earlier version current again, as a new version equal to it."""

    def run() -> None:
        settings = _settings(data_dir, database_url)
        number = configfile.restore_config(settings, version, _user(user), note)
        Console().print(f"[green]OK[/green] version {version} restored as version {number}")

    run_guarded(run, debug=debug)


def register(config_app: typer.Typer) -> None:
    """Add the stored-configuration commands to ``pabrik config``."""
    config_app.command("export")(export)
    config_app.command("import")(import_)
    config_app.command("versions")(versions)
    config_app.command("diff")(diff)
    config_app.command("restore")(restore)
