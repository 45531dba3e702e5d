"""``pabrik demo`` and ``pabrik serve``: backfill, run live, and serve the dashboard."""

from __future__ import annotations

import errno
import logging
import socket
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from pabrik.cli.errors import run_guarded
from pabrik.cli.options import (
    DATA_DIR,
    DEMO_CONFIG,
    ConfigOpt,
    DatabaseUrlOpt,
    DataDirOpt,
    DaysOpt,
    DebugOpt,
    HostOpt,
    PortOpt,
    SeedOpt,
    StartConfigOpt,
    history_end,
)
from pabrik.launch import run_web
from pabrik.model.errors import PortInUseError
from pabrik.runtime.accounts.access import bootstrap_admin, build_accounts
from pabrik.runtime.app import Runtime, build_runtime
from pabrik.runtime.demo.manual import SAMPLE_ACTOR, add_sample_manual_entries, demo_site_file
from pabrik.runtime.demo.seed import seed_demo
from pabrik.runtime.ingest.pipeline import utc_now
from pabrik.runtime.plant.queries import TREND_DAYS
from pabrik.runtime.settings import Settings

ConnectorsOpt = Annotated[
    bool,
    typer.Option(
        "--connectors/--no-connectors",
        help="Run the site's connectors here; --no-connectors leaves them to pabrik ingest.",
    ),
]


def bind_port(host: str, port: int) -> socket.socket:
    """Bind and listen now, so the port is ours before the long backfill; name it on failure."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # Without SO_REUSEADDR a restart right after Ctrl-C fails while old connections linger.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(128)
    except OSError as err:
        sock.close()
        if err.errno == errno.EADDRINUSE:
            raise PortInUseError(
                f"Port {port} on {host} is already in use. Stop the program using it, or"
                f" choose another port, e.g. --port {port + 1}.",
                port=port,
            ) from err
        if err.errno == errno.EACCES:
            raise PortInUseError(
                f"Not allowed to listen on port {port} (ports below 1024 need root);"
                " choose another port, e.g. --port 8000.",
                port=port,
            ) from err
        raise PortInUseError(f"Cannot listen on {host}:{port}: {err.strerror}", port=port) from err
    return sock


def announce_configuration() -> None:
    """Let the start-up say which configuration runs, each live change of it, and rollup passes."""
    for name in (
        "pabrik.runtime.plant.configstore",
        "pabrik.runtime.app",
        "pabrik.runtime.kpi.ahead",
    ):
        logging.getLogger(name).setLevel(logging.INFO)


def backfill_with_progress(runtime: Runtime, days: float) -> int:
    """Backfill simulated history under a Rich progress bar."""
    with Progress(
        TextColumn("[bold]Mengisi riwayat / backfilling history"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=False,
    ) as bar:
        task = bar.add_task("backfill", total=1.0)

        def progress(done: float, total: float) -> None:
            bar.update(task, completed=done / total)

        written = runtime.backfill(days, progress)
    Console(stderr=True).print(
        f"{written:,} records written to {runtime.settings.database_label()}"
    )
    with Console(stderr=True).status("Menghitung KPI / computing KPI rollups"):
        runtime.build_rollups(days)
    return written


def _serve(settings: Settings, runtime: Runtime, sock: socket.socket) -> None:
    url = f"http://{settings.host}:{settings.port}"
    Console().print(f"\n[bold green]pabrik siap / ready:[/bold green] {url}\n")
    _first_admin(runtime)
    # A machine page's shift trend reaches TREND_DAYS back, its first shift up to a day more.
    runtime.ahead.days = TREND_DAYS + 1
    run_web(settings, runtime, sock)


def _first_admin(runtime: Runtime) -> None:
    """On first start, make an admin and print the credentials once (stored only hashed)."""
    if not runtime.gate.ready:
        return
    made = bootstrap_admin(build_accounts(runtime))
    if made is None:
        return
    user, password = made
    Console().print(
        "[bold]Akun admin pertama / first admin account[/bold] (simpan / keep it; shown once):\n"
        f"  user: [bold]{user}[/bold]\n  password: [bold]{password}[/bold]\n"
        "  Lupa? / Lost it? [italic]pabrik users reset admin[/italic]\n"
    )


def _sample_data(runtime: Runtime, days: float) -> None:
    """The demo's sample assessment, programme, partners and terminal line (contoh / sample)."""
    with Console(stderr=True).status("Data contoh / sample data"):
        report = seed_demo(runtime)
        manual = add_sample_manual_entries(runtime, days)
    Console(stderr=True).print(
        f"contoh / sample: {report.companies} companies, {report.partners} partners added;"
        f" {manual.entries} terminal entries by manual:{SAMPLE_ACTOR}"
    )


def demo(
    port: PortOpt = 8000,
    days: DaysOpt = 7,
    seed: SeedOpt = None,
    data_dir: DataDirOpt = DATA_DIR,
    host: HostOpt = "127.0.0.1",
    debug: DebugOpt = False,
) -> None:
    """Create a data folder, backfill simulated days, then run the plant live and serve it."""

    def run() -> None:
        sock = bind_port(host, port)
        # One line runs from the operator terminal alone (no connector): see docs/operator.md.
        config = demo_site_file(DEMO_CONFIG, data_dir)
        settings = Settings(config=config, data_dir=data_dir, host=host, port=port, seed=seed)
        announce_configuration()
        runtime = build_runtime(settings, import_file=True)
        backfill_with_progress(runtime, days)
        _sample_data(runtime, days)
        _serve(settings, runtime, sock)

    run_guarded(run, debug=debug)


def simulate(
    config: ConfigOpt = DEMO_CONFIG,
    days: DaysOpt = 7,
    until: Annotated[
        str | None, typer.Option(help="End of the history, ISO 8601 with offset (default: now).")
    ] = None,
    data_dir: DataDirOpt = DATA_DIR,
    seed: SeedOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Backfill simulated history into the store and stop; resumes where it stopped."""
    end = history_end(until) if until else None

    def run() -> None:
        settings = Settings(config=config, data_dir=data_dir, seed=seed)
        runtime = build_runtime(settings, clock=(lambda: end) if end else utc_now, import_file=True)
        try:
            backfill_with_progress(runtime, days)
        finally:
            runtime.close()

    run_guarded(run, debug=debug)


def serve(
    config: StartConfigOpt = None,
    port: PortOpt = 8000,
    data_dir: DataDirOpt = DATA_DIR,
    database_url: DatabaseUrlOpt = "",
    host: HostOpt = "127.0.0.1",
    connectors: ConnectorsOpt = True,
    debug: DebugOpt = False,
) -> None:
    """Run ingest, KPIs and the dashboard for a site in one process."""

    def run() -> None:
        sock = bind_port(host, port)
        settings = Settings(
            config=config, data_dir=data_dir, database_url=database_url, host=host, port=port
        )
        # Serve at once: /readyz says why not ready while the database comes up.
        announce_configuration()
        runtime = build_runtime(settings, wait=False, import_file=True, connectors=connectors)
        if runtime.simulation is not None and runtime.gate.ready:
            runtime.start_simulation(0)
            backfill_with_progress(runtime, 0)
        _serve(settings, runtime, sock)

    run_guarded(run, debug=debug)
