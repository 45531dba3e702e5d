from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
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

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo-plant.yaml"
HOSTILE_PAYLOAD = '{"ts": "<script>alert(1)</script>", "state": "running"}'
# Secure cookies travel over https only, as in production; the ASGI transport needs no TLS.
BASE_URL = "https://testserver"
ADMIN_USER = "root-admin"
PASSWORD = "correct horse battery staple"
SAFE = {"GET", "HEAD", "OPTIONS"}
_LOGIN_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(config=DEMO, data_dir=tmp_path_factory.mktemp("pabrik-data"))


# A fixed Tuesday mid-morning in Cikarang, so pages show the same simulated day on every run.
NOW = datetime(2025, 3, 11, 3, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def runtime(settings: Settings) -> Iterator[Runtime]:
    rt = build_runtime(settings, clock=lambda: NOW)
    rt.backfill(days=1)
    rt.ingestor.offer_payload(
        HOSTILE_PAYLOAD, kind="state", source="test/hostile", machine_id="imm-01"
    )
    rt.ingestor.flush()
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
def anyio_backend() -> str:
    return "asyncio"


async def log_in(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    """Log in through the form, as a browser would (login CSRF cookie and field)."""
    form = await client.get("/login")
    match = _LOGIN_TOKEN.search(form.text)
    assert match, "the login form carries a CSRF token"
    data = {"username": username, "password": password, "csrf_token": match.group(1)}
    return await client.post("/login", data=data)


async def session_client(app: FastAPI, username: str, password: str) -> httpx.AsyncClient:
    """A client logged in with a session cookie that sends the CSRF token on every change."""
    token: dict[str, str] = {}

    async def add_csrf(request: httpx.Request) -> None:
        if request.method not in SAFE and "x-csrf-token" not in request.headers:
            request.headers["X-CSRF-Token"] = token.get("value", "")

    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url=BASE_URL,
        event_hooks={"request": [add_csrf]},
    )
    r = await log_in(client, username, password)
    assert r.status_code == 303, r.text
    me = await client.get("/api/v1/me")
    token["value"] = me.json()["csrf_token"]
    return client


@asynccontextmanager
async def logged_in(app: FastAPI, username: str, password: str) -> AsyncIterator[httpx.AsyncClient]:
    """A session client, closed at the end of the block."""
    client = await session_client(app, username, password)
    try:
        yield client
    finally:
        await client.aclose()


def anonymous(app: FastAPI) -> httpx.AsyncClient:
    """A client with no session and no token."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL)


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


def browser_log_in(
    page: object, base_url: str, username: str = ADMIN_USER, password: str = PASSWORD
) -> None:
    """Log in through the real form in a Playwright page."""
    page.goto(f"{base_url}/login")  # type: ignore[attr-defined]
    page.fill('input[name="username"]', username)  # type: ignore[attr-defined]
    page.fill('input[name="password"]', password)  # type: ignore[attr-defined]
    with page.expect_navigation():  # type: ignore[attr-defined]
        page.click('[data-testid="login-form"] button[type="submit"]')  # type: ignore[attr-defined]
