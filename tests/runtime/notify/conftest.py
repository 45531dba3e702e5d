"""Fixtures of the sender tests: the demo plant, and one store opened as often as asked."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pabrik.model.site import Plant
from pabrik.runtime.plant.siteconfig import load_site
from pabrik.storage.postgres.store import PostgresStore
from pabrik.storage.sqlite.store import SqliteStore
from tests.paths import DEMO
from tests.pg import PgServer
from tests.runtime.notify.helpers import Opener, Store


@pytest.fixture(scope="module")
def plant() -> Plant:
    return load_site(DEMO).plant()


@pytest.fixture(params=["sqlite", "postgres"])
def opener(request: pytest.FixtureRequest, tmp_path: Path, pg_server: PgServer) -> Iterator[Opener]:
    """Opens the same store again for each sender, as two processes would; closes them after."""
    opened: list[Store] = []
    url = pg_server.create_database() if request.param == "postgres" else ""

    def open_one() -> Store:
        s: Store = PostgresStore(url, pool_size=3) if url else SqliteStore(tmp_path / "p.sqlite")
        s.upgrade()
        opened.append(s)
        return s

    yield open_one
    for s in opened:
        s.close()
    if url:
        pg_server.drop_database(url)
