"""Parsers for command-line option values."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer


def instant(value: str) -> datetime:
    """An ISO 8601 instant that carries a UTC offset."""
    try:
        ts = datetime.fromisoformat(value)
    except ValueError as err:
        raise typer.BadParameter(f"{value!r} is not ISO 8601") from err
    if ts.tzinfo is None:
        raise typer.BadParameter("give a UTC offset, e.g. 2025-01-06T07:00+07:00")
    return ts


ConfigOpt = Annotated[Path, typer.Option(help="Site YAML file.")]
DataDirOpt = Annotated[Path, typer.Option(help="Folder for the database.")]
DatabaseUrlOpt = Annotated[str, typer.Option(help="sqlite:///path (default: in the data dir).")]
PortOpt = Annotated[int, typer.Option(help="Port for the dashboard.")]
HostOpt = Annotated[str, typer.Option(help="Address to listen on.")]
DaysOpt = Annotated[float, typer.Option(help="Days of history to simulate.", min=0)]
SeedOpt = Annotated[int | None, typer.Option(help="Simulator seed (default: from the file).")]
DebugOpt = Annotated[bool, typer.Option(help="Show tracebacks.")]
DATA_DIR = Path("pabrik-data")
DEMO_CONFIG = Path("examples/demo-plant.yaml")
