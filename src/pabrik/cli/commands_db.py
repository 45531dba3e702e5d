"""``pabrik db``: schema migrations."""

from __future__ import annotations

import typer
from rich.console import Console

from pabrik.cli.errors import run_guarded
from pabrik.cli.options import DATA_DIR, DatabaseUrlOpt, DataDirOpt
from pabrik.runtime.settings import Settings
from pabrik.runtime.storeadmin import schema_status, upgrade_schema

app = typer.Typer(help="Database schema.", no_args_is_help=True)


@app.command("upgrade")
def upgrade(data_dir: DataDirOpt = DATA_DIR, database_url: DatabaseUrlOpt = "") -> None:
    """Apply pending schema migrations."""

    def run() -> None:
        applied = upgrade_schema(Settings(data_dir=data_dir, database_url=database_url))
        Console().print(f"applied: {', '.join(applied) if applied else 'nothing (up to date)'}")

    run_guarded(run)


@app.command("status")
def status(data_dir: DataDirOpt = DATA_DIR, database_url: DatabaseUrlOpt = "") -> None:
    """Show the applied and the latest schema version."""

    def run() -> None:
        applied, latest = schema_status(Settings(data_dir=data_dir, database_url=database_url))
        state = "up to date" if applied == latest else f"{latest - applied} pending"
        Console().print(f"schema version {applied} of {latest}: {state}")

    run_guarded(run)
