"""The web suite's fixtures: the demo plant at a fixed clock, its app and clients (demo_app.py)."""

from __future__ import annotations

from tests.web.demo_app import (
    accounts,
    anon,
    anyio_backend,
    app,
    chromium,
    client,
    demo_day,
    runtime,
    settings,
    world,
)

__all__ = [
    "accounts",
    "anon",
    "anyio_backend",
    "app",
    "chromium",
    "client",
    "demo_day",
    "runtime",
    "settings",
    "world",
]
