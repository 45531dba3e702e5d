"""Parsers for command-line option values."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from pabrik.model.validation import parse_iso_instant


def instant(value: str) -> datetime:
    """An ISO 8601 instant that carries a UTC offset."""
    try:
        return parse_iso_instant(value)
    except ValueError as err:
        raise typer.BadParameter(f"{value!r}: {err}") from err


# Each option can also come from its PABRIK_* environment variable, like Settings.
ConfigOpt = Annotated[Path, typer.Option(help="Site YAML file.", envvar="PABRIK_CONFIG")]
DataDirOpt = Annotated[
    Path, typer.Option(help="Folder for the database.", envvar="PABRIK_DATA_DIR")
]
DatabaseUrlOpt = Annotated[
    str,
    typer.Option(
        help="sqlite:///path or postgresql://… (default: in the data dir).",
        envvar="PABRIK_DATABASE_URL",
    ),
]
PortOpt = Annotated[int, typer.Option(help="Port for the dashboard.", envvar="PABRIK_PORT")]
HostOpt = Annotated[str, typer.Option(help="Address to listen on.", envvar="PABRIK_HOST")]
DaysOpt = Annotated[float, typer.Option(help="Days of history to simulate.", min=0)]
SeedOpt = Annotated[
    int | None,
    typer.Option(help="Simulator seed (default: from the file).", envvar="PABRIK_SEED"),
]
DebugOpt = Annotated[bool, typer.Option(help="Show tracebacks.")]
DATA_DIR = Path("pabrik-data")
DEMO_CONFIG = Path("examples/demo-plant.yaml")
