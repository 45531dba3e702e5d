"""The ``pabrik`` command: demo, serve, kpi, config and db."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from pabrik.cli import (
    commands_anomaly,
    commands_assess,
    commands_backup,
    commands_config,
    commands_connect,
    commands_db,
    commands_deadletters,
    commands_federation,
    commands_import,
    commands_ingest,
    commands_kpi,
    commands_notify,
    commands_serve,
    commands_sharing,
    commands_users,
)
from pabrik.cli.errors import run_guarded
from pabrik.runtime.plant.siteconfig import load_site

app = typer.Typer(
    name="pabrik",
    help="pabrik: perangkat lunak pabrik cerdas / smart-factory software.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
config_app = typer.Typer(help="Site configuration files.", no_args_is_help=True)
app.add_typer(config_app, name="config")
commands_config.register(config_app)
app.add_typer(commands_kpi.app, name="kpi")
app.add_typer(commands_db.app, name="db")
app.add_typer(commands_connect.app, name="connect")
app.add_typer(commands_import.app, name="import")
app.add_typer(commands_deadletters.app, name="deadletters")
app.add_typer(commands_assess.app, name="assess")
app.add_typer(commands_users.app, name="users")
app.add_typer(commands_users.tenants_app, name="tenants")
app.add_typer(commands_anomaly.app, name="anomaly")
app.add_typer(commands_notify.app, name="notify")
app.add_typer(commands_federation.app, name="plants")
app.add_typer(commands_sharing.group_app, name="group")
app.add_typer(commands_sharing.programme_app, name="programme")
app.command("demo")(commands_serve.demo)
app.command("serve")(commands_serve.serve)
app.command("simulate")(commands_serve.simulate)
app.command("ingest")(commands_ingest.ingest)
app.command("backup")(commands_backup.backup)
app.command("restore")(commands_backup.restore)
app.command("forward")(commands_federation.forward)

console = Console(stderr=True)


@config_app.command("check")
def config_check(
    file: Annotated[Path, typer.Argument(help="Site YAML file to check.")],
    debug: Annotated[bool, typer.Option(help="Show tracebacks.")] = False,
) -> None:
    """Check a site file and explain every problem by its path in the file."""

    def check() -> None:
        site = load_site(file)
        plant = site.plant()
        Console().print(
            f"[green]OK[/green] {file}: {len(plant.lines())} line(s), "
            f"{len(plant.machines())} machine(s), {len(site.connectors)} connector(s)"
        )

    run_guarded(check, debug=debug)


def main() -> None:
    """Entry point of the console script."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    app()


if __name__ == "__main__":
    main()
