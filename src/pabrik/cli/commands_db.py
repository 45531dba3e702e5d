"""``pabrik db``: schema migrations, status and retention."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from pabrik.cli.errors import run_guarded
from pabrik.cli.options import DATA_DIR, ConfigOpt, DatabaseUrlOpt, DataDirOpt
from pabrik.runtime.health.retention import describe, run_retention
from pabrik.runtime.health.storeadmin import schema_status, upgrade_schema
from pabrik.runtime.ingest.pipeline import utc_now
from pabrik.runtime.settings import Settings

app = typer.Typer(help="Database schema and retention.", no_args_is_help=True)


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


@app.command("retention")
def retention(
    config: ConfigOpt,
    data_dir: DataDirOpt = DATA_DIR,
    database_url: DatabaseUrlOpt = "",
    dry_run: Annotated[bool, typer.Option(help="Report what would go; change nothing.")] = False,
) -> None:
    """Remove data older than the site file's retention section allows."""

    def run() -> None:
        settings = Settings(config=config, data_dir=data_dir, database_url=database_url)
        results = run_retention(settings, utc_now(), dry_run=dry_run)
        console = Console()
        if not results:
            console.print("no retention configured: everything is kept")
        verb = "would remove" if dry_run else "removed"
        for result in results:
            console.print(f"{verb} {describe(result)}")

    run_guarded(run)
