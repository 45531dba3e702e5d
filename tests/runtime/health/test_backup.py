"""Backup during live ingest and restore into a new place, checked against the source."""

from __future__ import annotations

import json
import sqlite3
import stat
from contextlib import closing
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from pabrik.model.errors import BackupError
from pabrik.runtime.health.backup import (
    MANIFEST,
    latest_schema,
    make_backup,
    restore_backup,
)
from pabrik.runtime.plant.siteconfig import load_site
from pabrik.runtime.settings import Settings
from pabrik.storage.postgres.backup import libpq_target
from pabrik.storage.postgres.store import PostgresStore
from pabrik.storage.sqlite.store import SqliteStore
from pabrik.storage.store import Store
from tests.paths import DEMO
from tests.pg import PgServer
from tests.runtime.health.liveingest import BASE, PER_BATCH, LiveIngest


def sqlite_settings(folder: Path) -> Settings:
    return Settings(data_dir=folder)


def batches_in(store: Store, live: LiveIngest) -> list[int]:
    """The batch numbers a store holds, each once per sample."""
    machine, signal = live.pair
    end = BASE + timedelta(days=1)
    return [int(s.value) for s in store.samples(machine, signal, BASE, end)]


def backup_while_ingesting(store: Store, settings: Settings, folder: Path) -> LiveIngest:
    """Start live ingest, back up mid-stream, and keep ingesting a few batches after."""
    live = LiveIngest(store, load_site(DEMO).plant())
    live.start()
    try:
        make_backup(settings, folder)
        live.wait_for(len(live.log) + 3)
    finally:
        live.stop()
    return live


def assert_consistent_cut(restored: Store, source: Store, live: LiveIngest, cut: str) -> None:
    """Whole batches only, everything done before the cut-off, and the source's rows then."""
    cut_off = datetime.fromisoformat(cut)
    held = batches_in(restored, live)
    k = max(held) + 1
    assert held == sorted(i for i in range(k) for _ in range(PER_BATCH))
    assert all(b.index < k for b in live.log if b.done < cut_off)
    assert len(live.log) > k, "ingest went on after the backup"
    machine, signal = live.pair
    end = BASE + timedelta(seconds=k * PER_BATCH)
    assert restored.samples(machine, signal, BASE, BASE + timedelta(days=1)) == source.samples(
        machine, signal, BASE, end
    )
    assert restored.row_counts()["dead_letters"] == k


def test_sqlite_backup_during_live_ingest_restores_the_rows_at_its_cut_off(
    tmp_path: Path,
) -> None:
    settings = sqlite_settings(tmp_path / "data")
    source = SqliteStore(settings.sqlite_path())
    source.upgrade()
    live = backup_while_ingesting(source, settings, tmp_path / "backup")
    manifest = restore_backup(sqlite_settings(tmp_path / "restored"), tmp_path / "backup")
    restored = SqliteStore(tmp_path / "restored" / "pabrik.sqlite")
    try:
        assert_consistent_cut(restored, source, live, manifest.cut_off)
        counts = restored.row_counts()
        assert {t: manifest.row_counts[t] for t in counts} == counts
        assert restored.schema_status()[0] == manifest.schema_version == latest_schema("sqlite")
    finally:
        restored.close()
        source.close()


def test_postgres_backup_during_live_ingest_restores_into_a_fresh_database(
    tmp_path: Path, pg_url: str, pg_server: PgServer
) -> None:
    source = PostgresStore(pg_url)
    source.upgrade()
    folder = tmp_path / "backup"
    live = backup_while_ingesting(source, Settings(database_url=pg_url), folder)
    fresh = pg_server.create_database()
    manifest = restore_backup(Settings(database_url=fresh), folder)
    restored = PostgresStore(fresh)
    try:
        assert manifest.backend == "postgresql"
        assert_consistent_cut(restored, source, live, manifest.cut_off)
        counts = restored.row_counts()
        assert {t: manifest.row_counts[t] for t in counts} == counts
        assert restored.schema_status()[0] == latest_schema("postgresql")
    finally:
        restored.close()
        source.close()
        pg_server.drop_database(fresh)


@pytest.fixture
def backup(tmp_path: Path) -> Path:
    """A finished SQLite backup of a small store."""
    settings = sqlite_settings(tmp_path / "data")
    store = SqliteStore(settings.sqlite_path())
    store.upgrade()
    live = LiveIngest(store, load_site(DEMO).plant())
    store.write(live.batch(0))
    store.close()
    make_backup(settings, tmp_path / "backup")
    return tmp_path / "backup"


def test_manifest_records_backend_schema_files_checksums_and_row_counts(backup: Path) -> None:
    data = json.loads((backup / MANIFEST).read_text(encoding="utf-8"))
    assert data["backend"] == "sqlite"
    assert data["schema_version"] == latest_schema("sqlite")
    assert set(data["files"]) == {"pabrik.sqlite"}
    assert len(data["files"]["pabrik.sqlite"]) == 64
    assert data["row_counts"]["samples"] == PER_BATCH + 1
    assert {"created_at", "cut_off"} <= set(data)


def _rewrite_manifest(folder: Path, **changes: object) -> None:
    data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    data.update(changes)
    (folder / MANIFEST).write_text(json.dumps(data), encoding="utf-8")


def test_restore_refuses_a_copy_that_does_not_match_its_checksum(
    backup: Path, tmp_path: Path
) -> None:
    copy = backup / "pabrik.sqlite"
    data = bytearray(copy.read_bytes())
    data[-1] ^= 0xFF
    copy.write_bytes(bytes(data))
    target = sqlite_settings(tmp_path / "restored")
    with pytest.raises(BackupError, match="SHA-256"):
        restore_backup(target, backup)
    assert not target.sqlite_path().exists()


def test_restore_refuses_a_schema_newer_than_the_code(backup: Path, tmp_path: Path) -> None:
    _rewrite_manifest(backup, schema_version=latest_schema("sqlite") + 1)
    with pytest.raises(BackupError, match="newer"):
        restore_backup(sqlite_settings(tmp_path / "restored"), backup)


def test_restore_refuses_another_backend_and_a_folder_without_manifest(
    backup: Path, tmp_path: Path
) -> None:
    with pytest.raises(BackupError, match="postgresql"):
        restore_backup(Settings(database_url="postgresql://u:pw@127.0.0.1:1/x"), backup)
    (backup / MANIFEST).unlink()
    with pytest.raises(BackupError, match="missing"):
        restore_backup(sqlite_settings(tmp_path / "restored"), backup)


def test_restore_keeps_an_existing_database_unless_told_to_replace_it(
    backup: Path, tmp_path: Path
) -> None:
    target = sqlite_settings(tmp_path / "other")
    SqliteStore(target.sqlite_path()).close()
    with pytest.raises(BackupError, match="--replace"):
        restore_backup(target, backup)
    restore_backup(target, backup, replace=True)
    with closing(sqlite3.connect(target.sqlite_path())) as conn:
        assert conn.execute("SELECT count(*) FROM samples").fetchone()[0] == PER_BATCH + 1


def test_backup_refuses_a_folder_that_is_not_empty(tmp_path: Path, backup: Path) -> None:
    with pytest.raises(BackupError, match="not empty"):
        make_backup(sqlite_settings(tmp_path / "data"), backup)


def test_the_password_reaches_pg_tools_by_environment_never_argv() -> None:
    conninfo, env = libpq_target("postgresql://ops:s3cret@db.example:5432/pabrik")
    assert "s3cret" not in conninfo
    assert env["PGPASSWORD"] == "s3cret"
    conninfo, env = libpq_target("postgresql://ops@db/pabrik?password=s3cret&sslmode=require")
    assert "s3cret" not in conninfo
    assert "sslmode" in conninfo
    assert env["PGPASSWORD"] == "s3cret"


def test_postgres_restore_keeps_a_database_with_data_unless_told_to_replace_it(
    tmp_path: Path, pg_url: str
) -> None:
    store = PostgresStore(pg_url)
    store.upgrade()
    live = LiveIngest(store, load_site(DEMO).plant())
    store.write(live.batch(0))
    settings = Settings(database_url=pg_url)
    make_backup(settings, tmp_path / "backup")
    store.write(live.batch(1))
    try:
        with pytest.raises(BackupError, match="--replace"):
            restore_backup(settings, tmp_path / "backup")
        assert batches_in(store, live) == [0] * PER_BATCH + [1] * PER_BATCH
        restore_backup(settings, tmp_path / "backup", replace=True)
        assert batches_in(store, live) == [0] * PER_BATCH
    finally:
        store.close()


def test_backup_and_restored_files_are_readable_by_their_owner_only(
    backup: Path, tmp_path: Path
) -> None:
    assert stat.S_IMODE(backup.stat().st_mode) == 0o700
    for name in ("pabrik.sqlite", MANIFEST):
        assert stat.S_IMODE((backup / name).stat().st_mode) == 0o600
    target = sqlite_settings(tmp_path / "restored")
    restore_backup(target, backup)
    assert stat.S_IMODE(target.sqlite_path().stat().st_mode) == 0o600
    assert stat.S_IMODE(target.sqlite_path().parent.stat().st_mode) == 0o700
