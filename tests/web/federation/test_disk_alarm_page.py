"""The plant's disk budget alarm on its alarm list and banner, in Indonesian and English."""

from __future__ import annotations

import re

import httpx
import pytest
from fastapi import FastAPI

from pabrik.runtime.app import Runtime
from tests.web.session import PASSWORD, logged_in
from tests.web.world import World

pytestmark = pytest.mark.anyio
MEDIUM = re.compile(r'data-priority="medium"[^>]*>[^<]*<b>(\d+)</b>')


async def _medium(c: httpx.AsyncClient) -> int:
    found = MEDIUM.search((await c.get("/partials/alarms/banner")).text)
    assert found is not None
    return int(found.group(1))


async def test_the_disk_alarm_is_listed_counted_and_acknowledged(
    app: FastAPI, runtime: Runtime, world: World
) -> None:
    async with logged_in(app, world.users[("engineer", "own")], PASSWORD) as c:
        before = await _medium(c)
        assert runtime.alarms.observe_disk(86.0) == 1
        assert await _medium(c) == before + 1  # the banner counts it
        page = await c.get("/alarms")
        assert page.status_code == 200
        row = page.text[page.text.index('data-key="disk_budget"') :].split("</tr>")[0]
        assert 'data-state="active_unack"' in row
        assert "anggaran disknya" in row
        assert 'href="/machines/"' not in row  # a plant-wide alarm names no machine
        english = await c.get("/alarms?lang=en")
        assert "of its disk budget" in english.text
    assert runtime.alarms.observe_disk(40.0) == 1  # back below 80 %: returned, unacknowledged
    async with logged_in(app, world.users[("engineer", "own")], PASSWORD) as c:
        page = await c.get("/alarms")
        row = page.text[page.text.index('data-key="disk_budget"') :].split("</tr>")[0]
        assert 'data-state="rtn_unack"' in row
