"""Logging in to the web app in tests: the admin's name and password, session clients.

The fixtures over these (settings, runtime, accounts, app, client, anon) are in
tests/web/conftest.py.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI

# Secure cookies travel over https only, as in production; the ASGI transport needs no TLS.
BASE_URL = "https://testserver"
ADMIN_USER = "root-admin"
PASSWORD = "correct horse battery staple"
SAFE = {"GET", "HEAD", "OPTIONS"}
_LOGIN_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


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
