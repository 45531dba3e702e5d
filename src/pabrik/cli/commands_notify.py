"""``pabrik notify``: the notification sender as its own process, and the outbox."""

from __future__ import annotations

import logging
import signal
import threading
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from pabrik.cli.errors import run_guarded
from pabrik.cli.options import DATA_DIR, ConfigOpt, DatabaseUrlOpt, DataDirOpt
from pabrik.present.i18n import Catalogues
from pabrik.present.notify.words import NotifyWords
from pabrik.runtime.health.storeadmin import open_store
from pabrik.runtime.ingest.pipeline import utc_now
from pabrik.runtime.notify.admin import NotifyAdmin
from pabrik.runtime.notify.sender import (
    LEASE,
    Policy,
    Sender,
    release_logged,
    run_once_logged,
)
from pabrik.runtime.plant.siteconfig import load_site
from pabrik.runtime.settings import Settings

app = typer.Typer(help="Notifications: the sender and the outbox.", no_args_is_help=True)
log = logging.getLogger(__name__)


@app.command("run")
def run(
    config: ConfigOpt,
    database_url: DatabaseUrlOpt = "",
    data_dir: DataDirOpt = DATA_DIR,
    once: Annotated[bool, typer.Option(help="One pass, then exit.")] = False,
    interval: Annotated[float, typer.Option(help="Seconds between passes.", min=0.05)] = 5.0,
    max_tries: Annotated[int, typer.Option(help="Tries before a message fails.", min=1)] = 8,
    backoff: Annotated[float, typer.Option(help="First wait after a failure (s).", min=0)] = 30,
    base_url: Annotated[str, typer.Option(help="Link to pabrik in messages.")] = "",
    lease: Annotated[
        float, typer.Option(help="Seconds another sender waits after this one stops.", min=1)
    ] = 60,
) -> None:
    """Route the outbox and deliver due messages until SIGTERM or Ctrl-C (one sender a site)."""

    def body() -> None:
        settings = Settings(config=config, data_dir=data_dir, database_url=database_url)
        site = load_site(config)
        store = open_store(settings)
        words = NotifyWords(site.plant(), site.alarms, Catalogues.load(), base_url)
        policy = Policy(max_tries=max_tries, backoff_s=backoff, lease_s=lease)
        sender = Sender(store, site.plant(), words, utc_now, policy)
        stopping = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stopping.set())
        try:
            while True:
                done = run_once_logged(sender)
                log.info("notify pass: %s", done)
                if once or stopping.wait(interval):
                    break
        except KeyboardInterrupt:
            pass
        finally:
            release_logged(sender)
            store.close()

    run_guarded(body)


@app.command("outbox")
def outbox(
    config: ConfigOpt,
    database_url: DatabaseUrlOpt = "",
    data_dir: DataDirOpt = DATA_DIR,
    status: Annotated[list[str] | None, typer.Option(help="Only this status (repeatable).")] = None,
    limit: Annotated[int, typer.Option(min=1)] = 50,
) -> None:
    """List the newest messages with their status, tries and reasons."""

    def body() -> None:
        settings = Settings(config=config, data_dir=data_dir, database_url=database_url)
        store = open_store(settings)
        try:
            rows = NotifyAdmin(store, utc_now).outbox(tuple(status or ()), limit)
            lease = store.notify_lease(LEASE)
        finally:
            store.close()
        sender = "none" if lease is None else f"{lease.holder} (last)"
        if lease is not None and lease.expires_at > utc_now():
            sender = f"{lease.holder} until {lease.expires_at:%Y-%m-%d %H:%M:%S} UTC"
        table = Table(title=f"Outbox: {len(rows)}", caption=f"sender: {escape(sender)}")
        for col in ("id", "kind", "user", "channel", "status", "tries", "reason"):
            table.add_column(col)
        for m in rows:
            table.add_row(escape(m.message_id), m.kind, escape(m.username), m.channel_id,
                          m.status, str(m.tries), escape(m.last_error or ""))  # fmt: skip
        Console().print(table)

    run_guarded(body)
