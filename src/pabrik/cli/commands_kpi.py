"""``pabrik kpi``: KPIs on the command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from pabrik.cli.errors import run_guarded
from pabrik.cli.options import instant
from pabrik.runtime.app import build_runtime
from pabrik.runtime.settings import Settings
from pabrik.runtime.views import OeeView, Ratio

app = typer.Typer(help="Key performance indicators.", no_args_is_help=True)


def _ratio_json(r: Ratio) -> dict[str, object]:
    if r.value is None:
        return {"value": None, "reason": r.reason}
    return {"value": float(r.value), "exact": f"{r.value.numerator}/{r.value.denominator}"}


def oee_json(view: OeeView) -> dict[str, object]:
    """An OEE view as plain JSON data."""
    return {
        "scope": view.scope,
        "from": view.start.isoformat(),
        "to": view.end.isoformat(),
        "availability": _ratio_json(view.availability),
        "performance": _ratio_json(view.performance),
        "quality": _ratio_json(view.quality),
        "oee": _ratio_json(view.oee),
        "planned_ms": view.planned_ms,
        "run_ms": view.run_ms,
        "unknown_ms": view.unknown_ms,
        "good": view.good,
        "scrap": view.scrap,
        "flags": list(view.flags),
    }


def _pct(r: Ratio) -> str:
    return "–" if r.percent is None else f"{r.percent:.2f} %"


@app.command("oee")
def oee(
    machine: Annotated[str, typer.Option(help="Machine id, line id, or 'plant'.")],
    start: Annotated[str, typer.Option("--from", help="Window start, ISO 8601 with offset.")],
    end: Annotated[str, typer.Option("--to", help="Window end, ISO 8601 with offset.")],
    config: Annotated[Path, typer.Option(help="Site YAML file.")] = Path(
        "examples/demo-plant.yaml"
    ),
    data_dir: Annotated[Path, typer.Option(help="Folder for the database.")] = Path("pabrik-data"),
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """OEE, availability, performance and quality over a window."""
    window = (instant(start), instant(end))

    def run() -> None:
        runtime = build_runtime(Settings(config=config, data_dir=data_dir))
        try:
            view = runtime.oee(machine, *window)
        finally:
            runtime.close()
        if as_json:
            typer.echo(json.dumps(oee_json(view), indent=2))
            return
        table = Table(title=f"OEE {view.scope}: {view.start.isoformat()} → {view.end.isoformat()}")
        for col in ("KPI", "value", "note"):
            table.add_column(col)
        for name, r in (
            ("availability", view.availability),
            ("performance", view.performance),
            ("quality", view.quality),
            ("OEE", view.oee),
        ):
            table.add_row(name, _pct(r), r.reason or "")
        table.add_row("planned (h)", f"{view.planned_ms / 3_600_000:.2f}", "")
        table.add_row("run (h)", f"{view.run_ms / 3_600_000:.2f}", "")
        table.add_row("good / scrap", f"{view.good} / {view.scrap}", ", ".join(view.flags))
        Console().print(table)

    run_guarded(run)
