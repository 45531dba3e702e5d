"""The directory tests run on two companies in one instance (tests/web/world.py): these replace
the web suite's settings, runtime, app and accounts in this folder."""

from __future__ import annotations

from tests.web.world import world_accounts, world_app, world_runtime, world_settings

__all__ = ["world_accounts", "world_app", "world_runtime", "world_settings"]
