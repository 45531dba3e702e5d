"""Sharing tests: the company is the two-company world (tests/web/world.py); the programme is a
second pabrik instance (tests/web/federation/programme.py)."""

from __future__ import annotations

from tests.web.federation.programme import programme
from tests.web.world import world_accounts, world_app, world_runtime, world_settings

__all__ = ["programme", "world_accounts", "world_app", "world_runtime", "world_settings"]
