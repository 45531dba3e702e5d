"""Backup and restore use cases: a consistent copy plus a manifest that restore checks first.

A backup folder holds the database copy (``pabrik.sqlite`` or ``pabrik.dump``) and
``manifest.json``: backend, schema version, when it was made, the cut-off (the instant of
the snapshot: every write committed before it is in, none committed after), each file's
SHA-256, and rows per table. Restore refuses a folder whose files do not match their
checksums, whose schema is newer than this code, or that was made by another backend.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pabrik.model.errors import BackupError
from pabrik.runtime.ingest.pipeline import Clock, utc_now
from pabrik.runtime.settings import Settings
from pabrik.storage.postgres import backup as pgbackup
from pabrik.storage.postgres.migrate import migrations as pg_migrations
from pabrik.storage.snapshot import Snapshot
from pabrik.storage.sqlite import backup as sqlitebackup
from pabrik.storage.sqlite.schema import migrations as sqlite_migrations

MANIFEST = "manifest.json"
PRIVATE_FOLDER = 0o700
PRIVATE_FILE = 0o600
FORMAT = "pabrik-backup/1"
_FILES = {"sqlite": "pabrik.sqlite", "postgresql": "pabrik.dump"}


@dataclass(frozen=True, slots=True)
class Manifest:
    """What a backup folder holds, as written to ``manifest.json``."""

    backend: str
    schema_version: int
    created_at: str
    cut_off: str
    files: dict[str, str]
    row_counts: dict[str, int]
    format: str = FORMAT

    def to_json(self) -> str:
        """The manifest as indented JSON."""
        return json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"


def latest_schema(backend: str) -> int:
    """The newest schema version this code knows for a backend."""
    if backend == "postgresql":
        return max(v for v, _, _ in pg_migrations())
    return max(v for v, _ in sqlite_migrations())


def sha256(path: Path) -> str:
    """The hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def make_backup(settings: Settings, folder: Path, *, clock: Clock = utc_now) -> Manifest:
    """Copy the store named by the settings into a new, empty ``folder``, manifest last."""
    if folder.exists() and any(folder.iterdir()):
        raise BackupError(f"{folder} is not empty: back up into a new folder", path=str(folder))
    # A backup holds everything the database does (password hashes too): this user's only.
    folder.mkdir(mode=PRIVATE_FOLDER, parents=True, exist_ok=True)
    folder.chmod(PRIVATE_FOLDER)
    backend = settings.backend()
    name = _FILES[backend]
    _private(folder / name)
    snapshot = _copy(settings, backend, folder / name)
    manifest = _manifest(backend, snapshot, {name: sha256(folder / name)}, clock())
    # The manifest is written last and atomically: a folder without one is no backup.
    staging = folder / f".{MANIFEST}.tmp"
    _private(staging)
    staging.write_text(manifest.to_json(), encoding="utf-8")
    staging.replace(folder / MANIFEST)
    return manifest


def _private(path: Path) -> None:
    """Create an empty file only this user may read, before anything is written into it."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE))
    path.chmod(PRIVATE_FILE)


def _copy(settings: Settings, backend: str, target: Path) -> Snapshot:
    if backend == "postgresql":
        return pgbackup.dump_postgres(settings.database_url, target, settings.database_label())
    return sqlitebackup.backup_sqlite(settings.sqlite_path(), target)


def _manifest(backend: str, snap: Snapshot, files: dict[str, str], now: datetime) -> Manifest:
    return Manifest(
        backend=backend,
        schema_version=snap.schema_version,
        created_at=now.isoformat(),
        cut_off=snap.cut_off.isoformat(),
        files=files,
        row_counts=dict(sorted(snap.row_counts.items())),
    )


def read_manifest(folder: Path) -> Manifest:
    """The manifest of a backup folder, or ``BackupError`` when it is missing or malformed."""
    path = folder / MANIFEST
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
        manifest = Manifest(**data)
    except FileNotFoundError as err:
        raise BackupError(f"{path} is missing: not a backup folder", path=str(path)) from err
    except (OSError, ValueError, TypeError) as err:
        raise BackupError(f"{path} is not a valid manifest: {err}", path=str(path)) from err
    if manifest.format != FORMAT:
        raise BackupError(f"{path}: unknown backup format {manifest.format!r}", path=str(path))
    return manifest


def verify_backup(folder: Path, backend: str) -> Manifest:
    """Check a backup folder against its manifest and this code; change nothing."""
    manifest = read_manifest(folder)
    if manifest.backend != backend:
        raise BackupError(
            f"the backup is for {manifest.backend}, the target is {backend}",
            path=str(folder),
        )
    latest = latest_schema(backend)
    if manifest.schema_version > latest:
        raise BackupError(
            f"the backup's schema version {manifest.schema_version} is newer than this"
            f" pabrik's ({latest}): upgrade pabrik first",
            path=str(folder),
        )
    if set(manifest.files) != {_FILES[backend]}:
        raise BackupError(f"{folder}: the manifest lists unexpected files", path=str(folder))
    for name, digest in manifest.files.items():
        _check_file(folder / name, digest)
    return manifest


def _check_file(path: Path, digest: str) -> None:
    if not path.is_file():
        raise BackupError(f"{path} is missing", path=str(path))
    if sha256(path) != digest:
        raise BackupError(f"{path} does not match its SHA-256 in the manifest", path=str(path))


def restore_backup(settings: Settings, folder: Path, *, replace: bool = False) -> Manifest:
    """Check a backup folder, then put it in place of the store the settings name."""
    backend = settings.backend()
    manifest = verify_backup(folder, backend)
    copy = folder / _FILES[backend]
    label = settings.database_label()
    if backend == "postgresql":
        if not replace and not pgbackup.database_is_empty(settings.database_url, label):
            raise BackupError(f"{label} already holds data: pass --replace to overwrite it")
        pgbackup.restore_postgres(copy, settings.database_url, label, replace=replace)
        return manifest
    target = settings.sqlite_path()
    if target.exists() and not replace:
        raise BackupError(f"{target} exists: pass --replace to overwrite it", path=str(target))
    if sqlitebackup.sqlite_file_version(copy) != manifest.schema_version:
        raise BackupError(f"{copy} does not hold the manifest's schema", path=str(copy))
    sqlitebackup.restore_sqlite(copy, target)
    return manifest
