"""The web suite's demo plant, app and logged-in client, for tests that render pages."""

from __future__ import annotations

from tests.web.demo_app import accounts, anyio_backend, app, client, demo_day, runtime, settings

__all__ = ["accounts", "anyio_backend", "app", "client", "demo_day", "runtime", "settings"]
