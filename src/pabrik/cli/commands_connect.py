"""``pabrik connect``: browse an OPC UA server, probe a configured connector."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from pabrik.cli.errors import run_guarded
from pabrik.runtime.ingest.connect import browse_opcua, probe_connector

app = typer.Typer(
    help="Connect to machines: browse servers and test connections.", no_args_is_help=True
)


@app.command("browse")
def browse(
    url: Annotated[str, typer.Argument(help="OPC UA endpoint, e.g. opc.tcp://10.0.0.5:4840")],
    out: Annotated[Path | None, typer.Option(help="Write the YAML here instead of stdout.")] = None,
    depth: Annotated[int, typer.Option(min=1, max=20, help="Levels below Objects.")] = 4,
    username: Annotated[
        str | None, typer.Option(help="User name, if the server needs one.")
    ] = None,
    password: Annotated[
        str | None, typer.Option(envvar="PABRIK_OPCUA_PASSWORD", help="Password (or env).")
    ] = None,
    debug: Annotated[bool, typer.Option(help="Show tracebacks.")] = False,
) -> None:
    """Walk the address space and write a starter signal map as YAML."""

    def run() -> None:
        report = asyncio.run(browse_opcua(url, depth=depth, username=username, password=password))
        if out is None:
            typer.echo(report.yaml_text, nl=False)
        else:
            out.write_text(report.yaml_text, encoding="utf-8")
        Console(stderr=True).print(
            f"[green]found {report.variables} variable(s), {report.numeric} numeric[/green]"
            + (f" -> {escape(str(out))}" if out else "")
        )

    run_guarded(run, debug=debug)


@app.command("probe")
def probe(
    config: Annotated[Path, typer.Option("--config", help="Site YAML file.")],
    connector: Annotated[str, typer.Option("--connector", help="Connector id to test.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    debug: Annotated[bool, typer.Option(help="Show tracebacks.")] = False,
) -> None:
    """Connect once with a configured connector and say in one line what answered."""

    def run() -> None:
        report = asyncio.run(probe_connector(config, connector))
        result = report.result
        if as_json:
            data = {
                "ok": result.ok,
                "kind": report.kind,
                "connector": report.connector,
                "detail": result.detail,
                "facts": dict(result.facts),
            }
            typer.echo(json.dumps(data, default=str, indent=2))
        else:
            # One line for people; the protocol's own words (CONNACK, SUBACK...) are in --json.
            colour, word = ("green", "OK") if result.ok else ("red", "FAILED")
            line = f"{report.kind} {report.connector}: {' '.join(result.detail.split())}"
            Console(soft_wrap=True).print(f"[{colour}]{word}[/{colour}] {escape(line)}")
        if not result.ok:
            raise typer.Exit(1)

    run_guarded(run, debug=debug)
