"""Composition root: wires a built runtime to the web app and runs it under uvicorn."""

from __future__ import annotations

import gc
import socket

import uvicorn

from pabrik.runtime.app import Runtime
from pabrik.runtime.settings import Settings
from pabrik.web.app import create_app

KEEP_ALIVE_S = 65
"""Seconds an idle HTTP connection is kept open for the dashboard's next poll."""


def run_web(settings: Settings, runtime: Runtime, sock: socket.socket) -> None:
    """Serve the dashboard and API over ``runtime`` on the bound ``sock`` until stopped."""
    # The app starts the runtime's live simulation and ingest, and stops them on shutdown.
    app = create_app(settings, runtime, live=True)
    cert, key = settings.tls_cert_file, settings.tls_key_file
    config = uvicorn.Config(
        app,
        log_level="warning",
        # Longer than the slowest poll (the alarm banner, 30 s): with uvicorn's 5 s, a 5 s poll
        # met the server closing its idle connection and was reset (bench/web.py ReadError).
        timeout_keep_alive=KEEP_ALIVE_S,
        ssl_certfile=str(cert) if cert else None,
        ssl_keyfile=str(key) if key else None,
    )
    server = uvicorn.Server(config)
    freeze_start_up()
    server.run(sockets=[sock])


def freeze_start_up() -> None:
    """Leave what start-up made (modules, app, runtime) out of every later cyclic collection."""
    # Each full collection walked these ~300,000 long-lived objects: 150-240 ms with the GIL
    # held, every 10-25 s under the 50,000 points/s bench, which was the slowest request of
    # several routes (docs/performance.md, session 9). Frozen, a full collection takes 2-40 ms.
    gc.collect()
    gc.freeze()
