"""A single-plant install offers no group view in its navigation (issue 15)."""

from __future__ import annotations

import pytest
from fastapi import FastAPI

from tests.web.session import PASSWORD, logged_in
from tests.web.world import World

pytestmark = pytest.mark.anyio


async def test_a_single_plant_install_has_no_group_link(app: FastAPI, world: World) -> None:
    async with logged_in(app, world.users[("engineer", "own")], PASSWORD) as c:
        page = await c.get("/")
        assert page.status_code == 200
        assert 'href="/alarms"' in page.text  # the plant's own navigation is there
        assert 'href="/group"' not in page.text
