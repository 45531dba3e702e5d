"""The web app over PostgreSQL: accounts work there too, so pages answer instead of 503."""

from __future__ import annotations

from pathlib import Path

import pytest

from pabrik.runtime.accounts.access import build_accounts
from pabrik.runtime.accounts.permissions import Role
from pabrik.runtime.app import build_runtime
from pabrik.runtime.settings import Settings
from pabrik.storage.postgres.store import PostgresStore
from pabrik.web.app import create_app
from tests.paths import DEMO
from tests.web.session import PASSWORD, logged_in

pytestmark = pytest.mark.anyio


async def test_an_admin_logs_in_and_sees_the_plant_over_postgres(
    pg_url: str, tmp_path: Path
) -> None:
    settings = Settings(config=DEMO, data_dir=tmp_path, database_url=pg_url, db_pool_size=4)
    runtime = build_runtime(settings)
    try:
        assert isinstance(runtime.store, PostgresStore)
        runtime.backfill(days=1)
        accounts = build_accounts(runtime)
        accounts.create_user(
            None, username="pg-admin", password=PASSWORD, role=Role.SYSTEM_ADMIN, tenant_id=None
        )
        app = create_app(settings, runtime)
        async with logged_in(app, "PG-Admin", PASSWORD) as client:
            home = await client.get("/")
            assert home.status_code == 200, home.text[:500]
            plant = await client.get("/api/v1/plant")
            assert plant.status_code == 200, plant.text[:500]
            assert plant.json()
    finally:
        runtime.close()
