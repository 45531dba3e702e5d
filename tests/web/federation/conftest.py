"""Sharing tests: the company is the two-company world (tests/web/world.py) without plant
history (sharing never reads machine data); the programme is a second pabrik instance
(tests/web/federation/programme.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pabrik.runtime.app import Runtime, build_runtime
from pabrik.runtime.settings import Settings
from tests.web.federation.company import world
from tests.web.federation.programme import programme
from tests.web.world import world_accounts, world_app, world_settings

__all__ = ["programme", "world", "world_accounts", "world_app", "world_settings"]


@pytest.fixture(name="runtime", scope="module")
def company_runtime(settings: Settings) -> Iterator[Runtime]:
    """The company's runtime, with no simulated history."""
    rt = build_runtime(settings)
    yield rt
    rt.close()
