"""Fixtures of the demo plant at a fixed clock, its app and logged-in clients (web, present).

Every fixture here is module-scoped except the clients, so each test module gets its own data.
The accounts and programme folders replace settings, runtime, app and accounts with the
two-company instance of tests/web/world.py. Helpers to log in are in tests/web/session.py.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from pabrik.runtime.accounts.access import build_accounts
from pabrik.runtime.accounts.permissions import Role
from pabrik.runtime.accounts.service import Accounts
from pabrik.runtime.app import Runtime, build_runtime
from pabrik.runtime.settings import Settings
from pabrik.web.app import create_app
from tests.paths import DEMO
from tests.web.browser import launched_chromium
from tests.web.session import ADMIN_USER, PASSWORD, anonymous, session_client
from tests.web.world import World, build_world

HOSTILE_PAYLOAD = '{"ts": "<script>alert(1)</script>", "state": "running"}'
# A fixed Tuesday mid-morning in Cikarang, so pages show the same simulated day on every run.
NOW = datetime(2025, 3, 11, 3, 30, tzinfo=UTC)


def _simulate_day(rt: Runtime) -> None:
    """The demo plant's day up to NOW, and one hostile payload in the dead letters."""
    rt.backfill(days=1)
    rt.ingestor.offer_payload(
        HOSTILE_PAYLOAD, kind="state", source="test/hostile", machine_id="imm-01"
    )
    rt.ingestor.flush()


@pytest.fixture(scope="session")
def demo_day(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The simulated day's data folder, made once per test process (the clock is fixed)."""
    folder = tmp_path_factory.mktemp("demo-day")
    rt = build_runtime(Settings(config=DEMO, data_dir=folder), clock=lambda: NOW)
    try:
        _simulate_day(rt)
    finally:
        rt.close()
    return folder


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(config=DEMO, data_dir=tmp_path_factory.mktemp("pabrik-data"))


@pytest.fixture(scope="module")
def runtime(settings: Settings, demo_day: Path) -> Iterator[Runtime]:
    """The demo day in the module's own folder: a copy of the process's, the same files."""
    fresh = not settings.database_url and not any(settings.data_dir.glob("*"))
    copy = fresh and settings.config == DEMO
    if copy:
        shutil.copytree(demo_day, settings.data_dir, dirs_exist_ok=True)
    rt = build_runtime(settings, clock=lambda: NOW)
    if not copy:
        _simulate_day(rt)
    yield rt
    rt.close()


@pytest.fixture(scope="module")
def accounts(runtime: Runtime) -> Accounts:
    """The account service over the test runtime, with a system admin to log in as."""
    service = build_accounts(runtime)
    if service.store.user_by_name(ADMIN_USER) is None:
        service.create_user(
            None, username=ADMIN_USER, password=PASSWORD, role=Role.SYSTEM_ADMIN, tenant_id=None
        )
    return service


@pytest.fixture(scope="module")
def app(settings: Settings, runtime: Runtime, accounts: Accounts) -> FastAPI:
    return create_app(settings, runtime)


@pytest.fixture(scope="module")
def world(runtime: Runtime) -> World:
    """A second company beside the site's owner, with a person of every role in each."""
    return build_world(runtime)


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A system admin's session: may do everything, acting for the site's own company."""
    c = await session_client(app, ADMIN_USER, PASSWORD)
    try:
        yield c
    finally:
        await c.aclose()


@pytest.fixture
async def anon(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with anonymous(app) as c:
        yield c


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    """A headless Chromium for the module's browser journeys (skips without one)."""
    with launched_chromium() as browser:
        yield browser
