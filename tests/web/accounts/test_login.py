"""Logging in over HTTP: a hardened cookie, the login form's CSRF token, answers that tell
nothing, revoked tokens, and a new person's first login (the rules: tests/runtime/accounts)."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from pabrik.runtime.accounts.permissions import Role
from pabrik.runtime.accounts.service import Accounts
from tests.web.session import BASE_URL, PASSWORD, anonymous, log_in, logged_in
from tests.web.world import World


@pytest.mark.anyio
async def test_the_login_page_sets_a_hardened_cookie(app: FastAPI, world: World) -> None:
    async with anonymous(app) as c:
        r = await log_in(c, world.users[("operator", "own")], PASSWORD)
    cookie = r.headers["set-cookie"].lower()
    assert r.status_code == 303
    for flag in ("httponly", "samesite=lax", "secure", "path=/"):
        assert flag in cookie


@pytest.mark.anyio
async def test_login_without_its_csrf_token_is_refused(app: FastAPI, world: World) -> None:
    async with anonymous(app) as c:
        await c.get("/login")
        r = await c.post("/login", data={"username": "x", "password": "y", "csrf_token": "no"})
    assert r.status_code == 403


@pytest.mark.anyio
async def test_a_wrong_login_page_answer_does_not_tell_if_the_account_exists(
    app: FastAPI, world: World
) -> None:
    async with anonymous(app) as c:
        known = await log_in(c, world.users[("engineer", "other")], "wrong password!!")
        unknown = await log_in(c, "no-such-person", "wrong password!!")
    assert known.status_code == unknown.status_code == 401
    assert known.text.replace("no-such-person", "") == unknown.text.replace("no-such-person", "")


@pytest.mark.anyio
async def test_a_revoked_token_gets_401_over_http(app: FastAPI, accounts: Accounts) -> None:
    made = accounts.create_token(
        None, label="temp", role=Role.OPERATOR, tenant_id=accounts.site_tenant
    )
    headers = {"Authorization": f"Bearer {made.secret}"}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url=BASE_URL, headers=headers
    ) as c:
        assert (await c.get("/api/v1/plant")).status_code == 200
        accounts.revoke_token(None, made.record.id)
        r = await c.get("/api/v1/plant")
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "unauthenticated"
    assert r.headers["www-authenticate"] == "Bearer"


@pytest.mark.anyio
async def test_an_admin_creates_a_person_who_then_logs_in(app: FastAPI, world: World) -> None:
    async with logged_in(app, world.users[("company_admin", "own")], PASSWORD) as admin:
        r = await admin.post(
            "/api/v1/users",
            json={"username": "siti", "password": "siti password 123", "role": "operator"},
        )
        assert r.status_code == 201, r.text
        assert r.json()["tenant"] == world.own
    async with logged_in(app, "siti", "siti password 123") as siti:
        me = (await siti.get("/api/v1/me")).json()
    assert (me["role"], me["tenant"]) == ("operator", world.own)
