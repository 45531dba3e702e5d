"""``pabrik backup`` and ``pabrik restore``: a consistent copy with a checked manifest."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from pabrik.cli.errors import run_guarded
from pabrik.cli.options import DATA_DIR, DatabaseUrlOpt, DataDirOpt, DebugOpt
from pabrik.runtime.health.backup import Manifest, make_backup, restore_backup
from pabrik.runtime.settings import Settings

FolderArg = Annotated[Path, typer.Argument(help="Backup folder.")]


def _summary(manifest: Manifest) -> str:
    rows = sum(manifest.row_counts.values())
    return (
        f"{manifest.backend}, schema version {manifest.schema_version},"
        f" cut-off {manifest.cut_off}, {rows} row(s)"
    )


def backup(
    folder: FolderArg,
    data_dir: DataDirOpt = DATA_DIR,
    database_url: DatabaseUrlOpt = "",
    debug: DebugOpt = False,
) -> None:
    """Copy the database into a new folder with a manifest, while ingest runs."""

    def run() -> None:
        manifest = make_backup(Settings(data_dir=data_dir, database_url=database_url), folder)
        Console().print(f"backed up to {folder}: {_summary(manifest)}")

    run_guarded(run, debug=debug)


def restore(
    folder: FolderArg,
    data_dir: DataDirOpt = DATA_DIR,
    database_url: DatabaseUrlOpt = "",
    replace: Annotated[
        bool, typer.Option(help="Overwrite a database that already holds data.")
    ] = False,
    debug: DebugOpt = False,
) -> None:
    """Check a backup folder against its manifest, then restore it."""

    def run() -> None:
        settings = Settings(data_dir=data_dir, database_url=database_url)
        manifest = restore_backup(settings, folder, replace=replace)
        Console().print(f"restored {folder}: {_summary(manifest)}")

    run_guarded(run, debug=debug)
