"""The demo plant at two fixed clocks, each with its own runtime, web app and data.

The ``sites`` fixture over these is in this folder's conftest.py.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import httpx
from fastapi import FastAPI

from pabrik.runtime.accounts.access import build_accounts
from pabrik.runtime.accounts.permissions import Role
from pabrik.runtime.app import Runtime, build_runtime
from pabrik.runtime.settings import Settings
from pabrik.web.app import create_app
from tests.paths import DEMO
from tests.web.kpi.demo import CLOCKS, HISTORY_DAYS, MORNING, NIGHT, Clock
from tests.web.kpi.figures import Observations
from tests.web.kpi.surfaces import observe
from tests.web.session import ADMIN_USER, PASSWORD, logged_in

T = TypeVar("T")


@dataclass
class Site:
    """The demo plant seen at one clock: its runtime, web app and data folder."""

    clock: Clock
    data_dir: Path
    runtime: Runtime
    app: FastAPI

    @property
    def where(self) -> tuple[Clock, Path]:
        """The clock and the data folder, for the command line."""
        return self.clock, self.data_dir

    def run(self, work: Callable[[httpx.AsyncClient], Awaitable[T]]) -> T:
        """Run ``work`` with a client logged in as a system admin."""

        async def go() -> T:
            async with logged_in(self.app, ADMIN_USER, PASSWORD) as client:
                return await work(client)

        return asyncio.run(go())


class Sites:
    """Builds each clock's site on first use, over history simulated once for both.

    The simulator writes HISTORY_DAYS up to the night clock; a copy of that data is the
    night's, and the simulator then carries the original on to the morning clock. Neither
    site holds any record after its own "now".
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self._sites: dict[str, Site] = {}
        self._observed: dict[str, Observations] = {}
        self._dirs: dict[str, Path] = {}

    def _data_dir(self, clock: Clock) -> Path:
        if not self._dirs:
            self._simulate()
        return self._dirs[clock.name]

    def _simulate(self) -> None:
        """Simulate the history up to the night, keep a copy, then go on to the morning."""
        night, morning = self.root / NIGHT.name, self.root / MORNING.name
        now = {"t": NIGHT.now}
        rt = build_runtime(Settings(config=DEMO, data_dir=morning), clock=lambda: now["t"])
        try:
            rt.backfill(days=HISTORY_DAYS)
            rt.build_rollups(31)
            rt.ingestor.flush()
            # Nothing is writing: the database and its write-ahead log are a consistent copy.
            shutil.copytree(morning, night, ignore=shutil.ignore_patterns("*-shm"))
            now["t"] = MORNING.now
            rt.backfill(days=HISTORY_DAYS)
            rt.build_rollups(1)
        finally:
            rt.close()
        self._dirs = {NIGHT.name: night, MORNING.name: morning}

    @staticmethod
    def _runtime(clock: Clock, data_dir: Path) -> Runtime:
        settings = Settings(config=DEMO, data_dir=data_dir)
        return build_runtime(settings, clock=lambda: clock.now)

    def at(self, name: str) -> Site:
        """The site at a named clock."""
        if name not in self._sites:
            clock = CLOCKS[name]
            data_dir = self._data_dir(clock)
            settings = Settings(config=DEMO, data_dir=data_dir)
            runtime = self._runtime(clock, data_dir)
            accounts = build_accounts(runtime)
            if accounts.store.user_by_name(ADMIN_USER) is None:
                accounts.create_user(
                    None,
                    username=ADMIN_USER,
                    password=PASSWORD,
                    role=Role.SYSTEM_ADMIN,
                    tenant_id=None,
                )
            app = create_app(settings, runtime)
            self._sites[name] = Site(clock, data_dir, runtime, app)
        return self._sites[name]

    def observed(self, name: str) -> Observations:
        """What every surface shows at a named clock (asked once, then kept)."""
        if name not in self._observed:
            site = self.at(name)
            self._observed[name] = site.run(lambda c: observe(c, site.clock, site.data_dir))
        return self._observed[name]

    def close(self) -> None:
        """Close every runtime."""
        for site in self._sites.values():
            site.runtime.close()
