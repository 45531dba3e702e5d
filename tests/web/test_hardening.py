"""Cookies stay Secure behind a proxy, logged-in answers are never stored, plain http is flagged."""

from __future__ import annotations

import logging

import httpx
import pytest
from fastapi import FastAPI

from pabrik.runtime.settings import Settings
from pabrik.web.security import warn_if_plain_http
from tests.web.session import anonymous

pytestmark = pytest.mark.anyio


def _client(app: FastAPI, base_url: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url)


async def test_a_loopback_host_header_does_not_drop_secure(app: FastAPI) -> None:
    async with _client(app, "http://pabrik.example.co.id") as c:
        r = await c.get("/login", headers={"host": "127.0.0.1"})
    assert "secure" in r.headers["set-cookie"].lower()


async def test_plain_http_to_a_loopback_socket_drops_secure(app: FastAPI) -> None:
    async with _client(app, "http://127.0.0.1:8000") as c:
        r = await c.get("/login")
    assert "secure" not in r.headers["set-cookie"].lower()


async def test_logged_in_pages_and_api_answers_are_never_stored(
    client: httpx.AsyncClient,
) -> None:
    for path in ("/account", "/admin/tokens", "/api/v1/me", "/"):
        r = await client.get(path)
        assert r.headers.get("cache-control") == "no-store", path


async def test_the_page_that_shows_a_new_token_once_is_never_stored(
    client: httpx.AsyncClient,
) -> None:
    r = await client.post("/admin/tokens", data={"label": "scada", "role": "operator"})
    assert "pbk_" in r.text
    assert r.headers.get("cache-control") == "no-store"


async def test_the_login_page_may_be_cached_like_any_public_page(app: FastAPI) -> None:
    async with anonymous(app) as c:
        r = await c.get("/login")
    assert r.headers.get("cache-control") != "no-store"


def test_a_site_on_a_public_address_without_always_secure_is_warned_about(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="pabrik.web.security"):
        warn_if_plain_http(Settings(host="0.0.0.0"))
        warn_if_plain_http(Settings(host="127.0.0.1"))
        warn_if_plain_http(Settings(host="0.0.0.0", cookie_secure="always"))
    assert len(caplog.records) == 1
    assert "PABRIK_COOKIE_SECURE=always" in caplog.records[0].getMessage()


@pytest.mark.parametrize(
    ("username", "reason"),
    [
        ("r\u043e\u043et-admin", "bad_username"),
        ("<b>x</b>", "bad_username"),
        ("ROOT-ADMIN", "user_exists"),
    ],
)
async def test_markup_and_lookalike_user_names_are_refused_in_the_users_language(
    client: httpx.AsyncClient, username: str, reason: str
) -> None:
    body = {"username": username, "password": "a long enough password", "role": "analyst"}
    r = await client.post("/api/v1/users?lang=en", json=body)
    assert r.status_code == 422
    assert r.json()["error"]["details"]["reason"] == reason
    assert r.json()["error"]["message"].startswith(("A user name", "That user name"))
