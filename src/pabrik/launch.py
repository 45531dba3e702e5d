"""Composition root: wires a built runtime to the web app and runs it under uvicorn."""

from __future__ import annotations

import socket

import uvicorn

from pabrik.runtime.app import Runtime
from pabrik.runtime.settings import Settings
from pabrik.web.app import create_app


def run_web(settings: Settings, runtime: Runtime, sock: socket.socket) -> None:
    """Serve the dashboard and API over ``runtime`` on the bound ``sock`` until stopped."""
    # The app starts the runtime's live simulation and ingest, and stops them on shutdown.
    app = create_app(settings, runtime, live=True)
    cert, key = settings.tls_cert_file, settings.tls_key_file
    config = uvicorn.Config(
        app,
        log_level="warning",
        ssl_certfile=str(cert) if cert else None,
        ssl_keyfile=str(key) if key else None,
    )
    server = uvicorn.Server(config)
    server.run(sockets=[sock])
