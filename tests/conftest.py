"""Fixtures shared by every suite: a real PostgreSQL server (see tests/pg.py), and a store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pabrik.storage.postgres.store import PostgresStore
from pabrik.storage.sqlite.store import SqliteStore

pytest_plugins = ("tests.pg",)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Files with slow tests first: xdist hands files out in this order, so they start early."""
    # Left in collection order, the longest files ran last and alone: a tail of several
    # minutes with a core idle.
    slow = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.path not in slow)


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqliteStore | PostgresStore]:
    """A new, upgraded store of each kind: a SQLite file, then a PostgreSQL database.

    A suite that needs another store defines its own ``store``, which takes precedence.
    """
    s: SqliteStore | PostgresStore
    if request.param == "sqlite":
        s = SqliteStore(tmp_path / "p.sqlite")
    else:
        s = PostgresStore(request.getfixturevalue("pg_url"), pool_size=2)
    s.upgrade()
    yield s
    s.close()
