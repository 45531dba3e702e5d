"""``pabrik deadletters``: list rejected inputs and replay them once the cause is fixed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from pabrik.cli.errors import run_guarded
from pabrik.runtime.app import build_runtime
from pabrik.runtime.settings import Settings

app = typer.Typer(help="Rejected inputs: list and replay.", no_args_is_help=True)
Config = Annotated[Path, typer.Option(help="Site YAML file.")]
DataDir = Annotated[Path, typer.Option(help="Folder for the database.")]
DEMO = Path("examples/demo-plant.yaml")


@app.command("list")
def list_letters(
    config: Config = DEMO,
    data_dir: DataDir = Path("pabrik-data"),
    limit: Annotated[int, typer.Option(help="How many, newest first.", min=1)] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show the newest dead letters with their reasons."""

    def run() -> None:
        runtime = build_runtime(Settings(config=config, data_dir=data_dir))
        try:
            letters = runtime.dead_letters(limit)
            total = runtime.dead_letter_count()
        finally:
            runtime.close()
        if as_json:
            rows = [
                {
                    "id": d.id,
                    "source": d.source,
                    "received_at": d.received_at.isoformat(),
                    "reason": d.reason_code,
                    "detail": d.detail,
                    "payload": d.payload,
                }
                for d in letters
            ]
            typer.echo(json.dumps(rows, indent=2))
            return
        table = Table(title=f"Dead letters: {len(letters)} of {total}")
        for col in ("id", "received (UTC)", "source", "reason", "detail", "payload"):
            table.add_column(col)
        for d in letters:
            table.add_row(
                str(d.id),
                d.received_at.strftime("%Y-%m-%d %H:%M:%S"),
                escape(d.source),
                d.reason_code,
                escape(d.detail[:80]),
                escape(d.payload[:60]),
            )
        Console().print(table)

    run_guarded(run)


@app.command("replay")
def replay(
    ids: Annotated[list[int] | None, typer.Argument(help="Ids to replay (default: all).")] = None,
    reason: Annotated[str | None, typer.Option(help="Only letters with this reason code.")] = None,
    source: Annotated[str | None, typer.Option(help="Only letters from this source.")] = None,
    config: Config = DEMO,
    data_dir: DataDir = Path("pabrik-data"),
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Decode letters again with today's configuration; store and remove what now passes."""

    def run() -> None:
        runtime = build_runtime(Settings(config=config, data_dir=data_dir))
        try:
            report = runtime.replay_dead_letters(ids or None, reason=reason, source=source)
        finally:
            runtime.close()
        if as_json:
            typer.echo(json.dumps(report.as_dict(), indent=2))
            return
        console = Console()
        console.print(
            f"replayed {report.replayed:,} letter(s) ({report.records:,} record(s) stored); "
            f"still rejected {report.still_rejected:,}; not replayable {report.not_replayable:,}"
        )
        for code, n in report.reasons.most_common():
            console.print(f"  {code}: {n:,}")

    run_guarded(run)
