"""``pabrik ingest``: a stateless ingest worker (connectors into the store, no web server)."""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from pabrik.cli.errors import run_guarded
from pabrik.cli.options import DATA_DIR, DatabaseUrlOpt, DataDirOpt, DebugOpt, StartConfigOpt
from pabrik.runtime.ingest.worker import WorkerOptions, default_worker_id, run_worker
from pabrik.runtime.settings import Settings

WorkerIdOpt = Annotated[
    str | None,
    typer.Option(
        help="Stable, unique id of this worker (client id suffix); default: the host name.",
        envvar="PABRIK_WORKER_ID",
    ),
]
ShareGroupOpt = Annotated[
    str | None,
    typer.Option(
        help="MQTT shared-subscription group ($share/GROUP/...); default: the file's or pabrik.",
        envvar="PABRIK_SHARE_GROUP",
    ),
]
ConnectorOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--connector", help="Run only this connector id (repeatable); default: all but simulator."
    ),
]
LogLevelOpt = Annotated[
    str, typer.Option(help="debug, info, warning or error.", envvar="PABRIK_LOG_LEVEL")
]


def ingest(
    config: StartConfigOpt = None,
    database_url: DatabaseUrlOpt = "",
    data_dir: DataDirOpt = DATA_DIR,
    worker_id: WorkerIdOpt = None,
    share_group: ShareGroupOpt = None,
    connector: ConnectorOpt = None,
    log_level: LogLevelOpt = "info",
    debug: DebugOpt = False,
) -> None:
    """Run the site's connectors into the store until SIGTERM or Ctrl-C (no web server)."""
    level = logging.getLevelName(log_level.upper())
    if not isinstance(level, int):
        raise typer.BadParameter(f"unknown log level {log_level!r}", param_hint="--log-level")
    logging.getLogger("pabrik").setLevel(level)

    def run() -> None:
        settings = Settings(config=config, data_dir=data_dir, database_url=database_url)
        options = WorkerOptions(
            worker_id=worker_id or default_worker_id(),
            share_group=share_group,
            connector_ids=tuple(connector or ()),
        )
        run_worker(settings, options)

    run_guarded(run, debug=debug)
