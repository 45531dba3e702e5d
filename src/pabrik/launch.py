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
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    server.run(sockets=[sock])
