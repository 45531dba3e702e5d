"""The SQLite database, its WAL and shared-memory files, and a new folder: this user's only."""

from __future__ import annotations

import stat
from pathlib import Path

from pabrik.storage.sqlite.store import SqliteStore


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_database_and_its_companions_are_private(tmp_path: Path) -> None:
    path = tmp_path / "data" / "pabrik.sqlite"
    store = SqliteStore(path)
    try:
        store.upgrade()
        assert _mode(path.parent) == 0o700
        companions = (
            "pabrik.sqlite-wal",
            "pabrik.sqlite-shm",
            "pabrik.sqlite-lock",
            "pabrik.sqlite-turn",
        )
        for name in ("pabrik.sqlite", *companions):
            assert _mode(path.parent / name) == 0o600, name
    finally:
        store.close()


def test_an_old_world_readable_database_is_made_private(tmp_path: Path) -> None:
    path = tmp_path / "pabrik.sqlite"
    SqliteStore(path).close()
    path.chmod(0o644)
    store = SqliteStore(path)
    store.close()
    assert _mode(path) == 0o600
