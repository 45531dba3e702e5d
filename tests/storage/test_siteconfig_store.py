"""The versioned site configuration table behaves the same on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pabrik.storage.postgres.store import PostgresStore
from pabrik.storage.siteconfig import ConfigVersionRow
from pabrik.storage.sqlite.store import SqliteStore
from pabrik.storage.store import Store

T0 = datetime(2026, 1, 5, 8, 0, 0, 123000, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    s: Store
    if request.param == "sqlite":
        s = SqliteStore(tmp_path / "c.sqlite")
    else:
        s = PostgresStore(request.getfixturevalue("pg_url"), pool_size=2)
    s.upgrade()
    yield s
    s.close()


def row(version: int, text: str, restored_from: int | None = None) -> ConfigVersionRow:
    at = T0 + timedelta(minutes=version)
    return ConfigVersionRow(version, text, "ani", at, f"note {version}", restored_from)


def test_versions_append_in_order_and_read_back_exactly(store: Store) -> None:
    assert store.config_head("site") == 0
    assert store.config_version("site") is None
    document = "site:\n  name: 'Pabrik «Uji»' # ünïcode\n"
    assert store.add_config_version("site", row(1, document))
    assert store.add_config_version("site", row(2, "b: 2\n"))
    assert store.add_config_version("site", row(3, document, restored_from=1))
    assert store.config_head("site") == 3
    assert store.config_version("site") == row(3, document, restored_from=1)
    assert store.config_version("site", 1) == row(1, document)
    assert store.config_version("site", 9) is None
    assert [r.version for r in store.config_versions("site")] == [3, 2, 1]


def test_a_version_number_is_taken_once_and_sites_are_apart(store: Store) -> None:
    assert store.add_config_version("site", row(1, "a: 1\n"))
    assert not store.add_config_version("site", row(1, "a: 2\n"))
    assert store.config_version("site", 1) == row(1, "a: 1\n")
    assert store.config_head("other") == 0
    assert store.add_config_version("other", row(1, "z: 1\n"))
    assert store.config_versions("other") == [row(1, "z: 1\n")]
