"""``pabrik plants`` (on the central: per-plant credentials) and ``pabrik forward`` (on a plant)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from pabrik.cli.errors import run_guarded
from pabrik.cli.options import DATA_DIR, DatabaseUrlOpt, DataDirOpt, DebugOpt
from pabrik.runtime.federation.forward import ForwardOptions
from pabrik.runtime.federation.forward_client import CentralTarget
from pabrik.runtime.federation.forward_service import run_forwarder
from pabrik.runtime.federation.plants import (
    add_plant,
    plant_admin,
    revoke_plant,
    rotate_credential,
)
from pabrik.runtime.settings import Settings

app = typer.Typer(help="Plants that forward to this central pabrik.", no_args_is_help=True)
PlantArg = Annotated[str, typer.Argument(help="The plant's id (lower-case, digits, - and _).")]
MEGABYTE = 1024 * 1024


def _settings(data_dir: Path, database_url: str) -> Settings:
    return Settings(data_dir=data_dir, database_url=database_url)


@app.command("add")
def add(
    plant: PlantArg,
    tenant: Annotated[str, typer.Option(help="The tenant (company) the plant belongs to.")],
    name: Annotated[str, typer.Option(help="A readable name.")] = "",
    data_dir: DataDirOpt = DATA_DIR,
    database_url: DatabaseUrlOpt = "",
    debug: DebugOpt = False,
) -> None:
    """Register a plant and print its credential once (kept only hashed)."""

    def run() -> None:
        with plant_admin(data_dir, database_url) as store:
            credential = add_plant(store, plant, tenant, name, datetime.now(UTC))
        Console().print(f"kredensial / credential (simpan / keep it; shown once):\n{credential}")

    run_guarded(run, debug=debug)


@app.command("rotate")
def rotate(
    plant: PlantArg,
    data_dir: DataDirOpt = DATA_DIR,
    database_url: DatabaseUrlOpt = "",
    debug: DebugOpt = False,
) -> None:
    """Give a plant a new credential; the old one stops working at once."""

    def run() -> None:
        with plant_admin(data_dir, database_url) as store:
            credential = rotate_credential(store, plant)
        Console().print(f"kredensial / credential (simpan / keep it; shown once):\n{credential}")

    run_guarded(run, debug=debug)


@app.command("revoke")
def revoke(
    plant: PlantArg,
    data_dir: DataDirOpt = DATA_DIR,
    database_url: DatabaseUrlOpt = "",
    debug: DebugOpt = False,
) -> None:
    """Revoke a plant: its next batch is refused."""

    def run() -> None:
        with plant_admin(data_dir, database_url) as store:
            revoke_plant(store, plant, datetime.now(UTC))
        Console().print(f"[green]dicabut / revoked[/green] {plant}")

    run_guarded(run, debug=debug)


@app.command("list")
def list_(
    data_dir: DataDirOpt = DATA_DIR,
    database_url: DatabaseUrlOpt = "",
    debug: DebugOpt = False,
) -> None:
    """The plants, their tenant, last request and state."""

    def run() -> None:
        with plant_admin(data_dir, database_url) as store:
            for p in store.plants():
                state = "revoked" if p.revoked_at_ms else "active"
                Console().print(f"{p.plant_id}\t{p.tenant_id}\t{state}\t{p.status_json or ''}")

    run_guarded(run, debug=debug)


def forward(
    to: Annotated[str, typer.Option(help="The central's URL, https://host:port.")],
    credential_file: Annotated[
        Path, typer.Option(help="File holding this plant's credential.", exists=True)
    ],
    ca_file: Annotated[
        Path | None, typer.Option(help="CA certificate the central's TLS certificate is signed by.")
    ] = None,
    disk_budget_mb: Annotated[
        int | None, typer.Option(help="Disk budget of the plant store; alarm at 80 %.", min=1)
    ] = None,
    data_dir: DataDirOpt = DATA_DIR,
    database_url: DatabaseUrlOpt = "",
    debug: DebugOpt = False,
) -> None:
    """Forward this plant's records to its central until SIGTERM or Ctrl-C."""

    def run() -> None:
        credential = credential_file.read_text(encoding="utf-8").strip()
        target = CentralTarget(to, credential, ca_file)
        budget = disk_budget_mb * MEGABYTE if disk_budget_mb else None
        run_forwarder(_settings(data_dir, database_url), target, ForwardOptions(), budget)

    run_guarded(run, debug=debug)
