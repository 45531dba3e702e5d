"""``pabrik import csv``: history from CSV files, validated, idempotent and resumable."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from pabrik.cli.errors import run_guarded
from pabrik.runtime.app import build_runtime
from pabrik.runtime.ingest.csvimport import CsvOptions, ImportReport
from pabrik.runtime.ingest.csvimport import Progress as CsvProgress
from pabrik.runtime.settings import Settings

app = typer.Typer(help="Import history from files.", no_args_is_help=True)

COLUMN_HELP = (
    "states: ts,machine,state[,reason,product,order] | "
    "counts: ts,machine,good[,scrap,rework,product] | "
    "samples: ts,machine,signal,value[,quality]"
)


@app.command("csv")
def import_csv(
    file: Annotated[Path, typer.Argument(help="CSV file with a header row.", exists=True)],
    kind: Annotated[
        Literal["states", "counts", "samples"], typer.Option(help=f"Columns: {COLUMN_HELP}.")
    ],
    config: Annotated[Path, typer.Option(help="Site YAML file.")] = Path(
        "examples/demo-plant.yaml"
    ),
    data_dir: Annotated[Path, typer.Option(help="Folder for the database.")] = Path("pabrik-data"),
    source: Annotated[str, typer.Option(help="Source id stored with the rows.")] = "csv",
    delimiter: Annotated[str, typer.Option(help="Column separator, e.g. ';'.")] = ",",
    decimal: Annotated[str, typer.Option(help="Decimal mark: '.' or ','.")] = ".",
    tz: Annotated[
        str | None, typer.Option(help="Zone for timestamps without offset, e.g. Asia/Jakarta.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    debug: Annotated[bool, typer.Option(help="Show tracebacks.")] = False,
) -> None:
    """Import states, counts or samples; a re-run resumes after the last committed batch."""

    def run() -> None:
        options = CsvOptions.model_validate(
            {
                "kind": kind,
                "source": source,
                "delimiter": delimiter,
                "decimal": decimal,
                "timezone": tz,
            }
        )
        runtime = build_runtime(Settings(config=config, data_dir=data_dir))
        try:
            report = _with_progress(runtime.import_csv, file, options)
        finally:
            runtime.close()
        if as_json:
            typer.echo(json.dumps(report.as_dict(), indent=2))
        else:
            _print(report)

    run_guarded(run, debug=debug)


def _with_progress(
    action: Callable[[Path, CsvOptions, CsvProgress], ImportReport], file: Path, options: CsvOptions
) -> ImportReport:
    with Progress(
        TextColumn(f"[bold]Mengimpor / importing {file.name}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
    ) as bar:
        task = bar.add_task("import", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        return action(file, options, progress)


def _print(report: ImportReport) -> None:
    console = Console()
    if report.already_done:
        console.print(f"[yellow]{report.file} was already imported[/yellow] (nothing to do)")
    elif report.resumed_from:
        console.print(f"resumed after row {report.resumed_from:,}")
    table = Table(title=f"CSV {report.kind}: {report.file}")
    table.add_column("rows")
    table.add_column("accepted")
    table.add_column("new in store")
    table.add_column("rejected")
    table.add_row(
        f"{report.rows:,}", f"{report.accepted:,}", f"{report.inserted:,}", f"{report.rejected:,}"
    )
    console.print(table)
    if report.reasons:
        reasons = Table(title="Rejected rows by reason (see: pabrik deadletters list)")
        reasons.add_column("reason")
        reasons.add_column("rows")
        for code, n in report.reasons.most_common():
            reasons.add_row(code, f"{n:,}")
        console.print(reasons)
