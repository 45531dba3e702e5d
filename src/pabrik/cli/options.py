"""Parsers for command-line option values."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from pabrik.model.validation import parse_iso_instant

# The simulator's seed is 64 bits (see SimulatorConfig.seed).
SEED_MIN, SEED_MAX = -(2**63), 2**63 - 1
HISTORY_FROM = datetime(2000, 1, 1, tzinfo=UTC)
HISTORY_UNTIL = datetime(2100, 1, 1, tzinfo=UTC)


def history_end(value: str) -> datetime:
    """The end of a simulated history (``--until``): an instant in the years 2000 to 2099."""
    end = instant(value, "--until")
    if not HISTORY_FROM <= end < HISTORY_UNTIL:
        raise typer.BadParameter(
            f"{value!r}: must be in the years 2000 to 2099", param_hint="--until"
        )
    return end


def instant(value: str, option: str | None = None) -> datetime:
    """An ISO 8601 instant that carries a UTC offset."""
    try:
        return parse_iso_instant(value)
    except ValueError as err:
        raise typer.BadParameter(f"{value!r}: {err}", param_hint=option) from err


# Each option can also come from its PABRIK_* environment variable, like Settings.
ConfigOpt = Annotated[Path, typer.Option(help="Site YAML file.", envvar="PABRIK_CONFIG")]
StartConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config",
        help="Site YAML imported on first start (or when edited since); else the stored one.",
        envvar="PABRIK_CONFIG",
    ),
]
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
# Ten years of simulated history is plenty; more only fills the disk.
DaysOpt = Annotated[float, typer.Option(help="Days of history to simulate.", min=0, max=3660)]
SeedOpt = Annotated[
    int | None,
    typer.Option(
        help="Simulator seed (default: from the file).",
        envvar="PABRIK_SEED",
        min=SEED_MIN,
        max=SEED_MAX,
    ),
]
DebugOpt = Annotated[bool, typer.Option(help="Show tracebacks.")]
DATA_DIR = Path("pabrik-data")
DEMO_CONFIG = Path("examples/demo-plant.yaml")
