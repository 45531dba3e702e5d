"""Operators give reasons to unexplained stops; raw data stays intact; every text is inert."""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta

import pytest
from fastapi import FastAPI

from pabrik.model.records import to_epoch_ms
from pabrik.model.states import StateClass
from pabrik.runtime.app import Runtime
from pabrik.runtime.settings import Settings
from tests.web.session import PASSWORD, anonymous, log_in, logged_in
from tests.web.world import World

pytestmark = pytest.mark.anyio
SOURCE = "test/operator"
HOSTILE = "<script>alert('x')</script>'; DROP TABLE users;--"


@pytest.fixture(scope="module")
def stop_ts(runtime: Runtime) -> str:
    """An unplanned stop without a reason, two hours ago on imm-01."""
    ts = (runtime.now() - timedelta(hours=2)).replace(microsecond=0)
    payload = json.dumps({"ts": ts.isoformat(), "state": "unplanned_stop"})
    runtime.ingestor.offer_payload(payload, kind="state", source=SOURCE, machine_id="imm-01")
    runtime.ingestor.flush()
    return ts.isoformat()


async def test_an_operator_gives_an_unexplained_stop_a_reason(
    app: FastAPI, world: World, runtime: Runtime, settings: Settings, stop_ts: str
) -> None:
    async with logged_in(app, world.users[("operator", "own")], PASSWORD) as c:
        stops = (await c.get("/api/v1/machines/imm-01/stops")).json()
        mine = next(s for s in stops if s["source"] == SOURCE)
        assert mine["reason"] is None
        assert mine["state"] == "unplanned_stop"
        page = await c.get("/machines/imm-01/stops")
        assert page.status_code == 200
        assert "unexplained" in page.text
        body = {"ts": stop_ts, "source": SOURCE, "reason": "breakdown"}
        r = await c.put("/api/v1/machines/imm-01/stops/reason", json=body)
    assert r.status_code == 200, r.text
    assert r.json()["entered_by"] == world.users[("operator", "own")]
    ts = runtime.now().fromisoformat(stop_ts)
    state = next(
        s
        for s in runtime.store.states("imm-01", ts, ts + timedelta(seconds=1))
        if s.source == SOURCE
    )
    assert (state.state, state.reason) == (StateClass.UNPLANNED_STOP, "breakdown")
    raw = (
        sqlite3.connect(settings.sqlite_path())
        .execute(
            "SELECT reason FROM states WHERE machine_id = 'imm-01' AND source = ? AND ts_ms = ?",
            (SOURCE, to_epoch_ms(ts)),
        )
        .fetchone()
    )
    assert raw == (None,)  # the raw record is untouched


async def test_the_reason_is_audited_with_before_and_after(
    app: FastAPI, world: World, stop_ts: str
) -> None:
    async with logged_in(app, world.users[("operator", "own")], PASSWORD) as c:
        body = {"ts": stop_ts, "source": SOURCE, "reason": "jam"}
        assert (await c.put("/api/v1/machines/imm-01/stops/reason", json=body)).is_success
    async with logged_in(app, world.users[("company_admin", "own")], PASSWORD) as admin:
        audit = (await admin.get("/api/v1/audit")).json()
    entry = next(a for a in audit if a["action"] == "stop.reason")
    assert (entry["before"], entry["after"]) == ('"breakdown"', '"jam"')
    assert entry["actor"] == world.users[("operator", "own")]


async def test_a_reason_outside_the_machines_list_is_refused(
    app: FastAPI, world: World, stop_ts: str
) -> None:
    async with logged_in(app, world.users[("operator", "own")], PASSWORD) as c:
        for reason in ("changeover", "no-such-reason", HOSTILE[:60]):
            body = {"ts": stop_ts, "source": SOURCE, "reason": reason}
            r = await c.put("/api/v1/machines/imm-01/stops/reason", json=body)
            assert r.status_code == 422, reason


async def test_the_downtime_analysis_uses_the_operators_reason(
    runtime: Runtime, stop_ts: str
) -> None:
    detail = runtime.machine_detail("imm-01", "day")
    reasons = {r.reason for r in detail.reasons}
    assert "jam" in reasons


async def test_hostile_text_is_stored_as_given_and_shown_escaped(
    app: FastAPI, world: World
) -> None:
    async with logged_in(app, world.users[("company_admin", "own")], PASSWORD) as admin:
        # A quote-laden name is refused (names are letters, digits and ._- only, issue 11);
        # the display name keeps any text, shown escaped.
        refused = await admin.post(
            "/api/v1/users",
            json={"username": "x'or'1'='1", "password": "hostile password 1", "role": "operator"},
        )
        assert refused.status_code == 422
        made = await admin.post(
            "/api/v1/users",
            json={
                "username": "x.or-1_1",
                "password": "hostile password 1",
                "role": "operator",
                "display_name": HOSTILE,
            },
        )
        assert made.status_code == 201, made.text
        assert made.json()["display_name"] == HOSTILE
        token = await admin.post("/api/v1/tokens", json={"label": HOSTILE[:100]})
        assert token.status_code == 201
        created = await admin.post(
            "/api/v1/assessments", json={"model": "indi40", "title": HOSTILE}
        )
        assert created.json()["title"] == HOSTILE
        pages = [
            (await admin.get(p)).text
            for p in ("/admin/users", "/admin/tokens", "/admin/audit", "/assess")
        ]
        users = (await admin.get("/api/v1/users")).json()
    assert any(u["display_name"] == HOSTILE for u in users)
    for html in pages:
        assert "<script>alert" not in html
        assert "&lt;script&gt;alert" in html
    async with logged_in(app, "x.or-1_1", "hostile password 1") as c:
        assert (await c.get("/api/v1/me")).json()["name"] == "x.or-1_1"


async def test_sql_in_a_login_name_is_only_a_wrong_name(app: FastAPI, world: World) -> None:
    async with anonymous(app) as c:
        r = await log_in(c, "' OR 1=1 --", "' OR 1=1 --")
    assert r.status_code == 401
    async with logged_in(app, world.users[("company_admin", "own")], PASSWORD) as admin:
        assert (await admin.get("/api/v1/users")).status_code == 200


async def test_attachments_are_downloads_of_their_own_company_only(
    app: FastAPI, world: World
) -> None:
    async with logged_in(app, world.users[("company_admin", "own")], PASSWORD) as c:
        own = await c.get(f"/assess/attachments/{world.attachments['own']}")
        other = await c.get(f"/assess/attachments/{world.attachments['other']}")
    assert own.status_code == 200
    assert own.headers["content-type"] == "image/png"
    assert own.headers["content-disposition"].startswith("attachment")
    assert "sandbox" in own.headers["content-security-policy"]
    assert own.headers["x-content-type-options"] == "nosniff"
    assert other.status_code == 404
