"""``pabrik programme send`` (the sharing outbox) and ``pabrik group site`` (on a central)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from pabrik.cli.errors import run_guarded
from pabrik.cli.options import DATA_DIR, DatabaseUrlOpt, DataDirOpt, DebugOpt
from pabrik.runtime.federation.group import save_site_document
from pabrik.runtime.federation.plants import plant_admin
from pabrik.runtime.federation.sharing_outbox import deliver_due, https_transport

programme_app = typer.Typer(help="Consented sharing with a programme server.", no_args_is_help=True)
group_app = typer.Typer(
    help="The group view of a company's plants on a central.", no_args_is_help=True
)


def _now() -> datetime:
    return datetime.now(UTC)


@programme_app.command("send")
def send(
    data_dir: DataDirOpt = DATA_DIR, database_url: DatabaseUrlOpt = "", debug: DebugOpt = False
) -> None:
    """Deliver waiting shares and revokes to their programme servers now."""

    def run() -> None:
        with plant_admin(data_dir, database_url) as store:
            done = deliver_due(store, https_transport(), _now)
        Console().print(f"terkirim / delivered: {done}")

    run_guarded(run, debug=debug)


@group_app.command("site")
def site(
    plant: Annotated[
        str, typer.Argument(help="The plant's id, as registered by `pabrik plants add`.")
    ],
    file: Annotated[Path, typer.Option("--file", help="The plant's site file (YAML).")],
    data_dir: DataDirOpt = DATA_DIR,
    database_url: DatabaseUrlOpt = "",
    debug: DebugOpt = False,
) -> None:
    """Keep a plant's site file on the central, so the group view knows its lines and machines."""

    def run() -> None:
        text = file.read_text(encoding="utf-8")
        with plant_admin(data_dir, database_url) as store:
            name = save_site_document(store, plant, text, _now())
        Console().print(f"{plant}: {name}")

    run_guarded(run, debug=debug)
