"""Online backup and restore of a SQLite store with SQLite's backup API.

The copy reads inside one read transaction on the source: in WAL mode the writer keeps
committing while we copy, and the copy, its row counts and its cut-off all belong to the
same snapshot.
"""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from pabrik.model.errors import BackupError
from pabrik.storage.snapshot import Snapshot


def backup_sqlite(source: Path, target: Path) -> Snapshot:
    """Copy the live database at ``source`` into a new file ``target``."""
    if not source.is_file():
        raise BackupError(f"no database at {source}", path=str(source))
    try:
        src = sqlite3.connect(source, isolation_level=None)
        try:
            src.execute("PRAGMA busy_timeout=10000")
            # The cut-off comes first: whatever committed before it is in the snapshot.
            cut_off = datetime.now(UTC)
            src.execute("BEGIN")
            snapshot = _describe(src, cut_off)
            dst = sqlite3.connect(target)
            try:
                src.backup(dst)
            finally:
                dst.close()
            src.execute("COMMIT")
        finally:
            src.close()
    except sqlite3.Error as err:
        raise BackupError(f"cannot back up {source}: {err}", path=str(source)) from err
    return snapshot


def _describe(conn: sqlite3.Connection, cut_off: datetime) -> Snapshot:
    """Open the read snapshot and describe it: schema version and rows per table."""
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    tables = [
        str(r[0])
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'"
            " AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    counts = {
        t: int(conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0])  # noqa: S608
        for t in tables
    }
    return Snapshot(cut_off, version, counts)


def sqlite_file_version(path: Path) -> int:
    """The schema version recorded in a SQLite file (``PRAGMA user_version``)."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return int(conn.execute("PRAGMA user_version").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.Error as err:
        raise BackupError(f"{path} is not a SQLite database: {err}", path=str(path)) from err


def restore_sqlite(copy: Path, target: Path) -> None:
    """Put a checked copy in place of ``target`` atomically; stale WAL files go first."""
    if not target.parent.exists():
        target.parent.mkdir(mode=0o700, parents=True)
    staging = target.with_name(f".{target.name}.restoring")
    try:
        # Only this user may read the restored database, as for the store's own file.
        os.close(os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
        src = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
        dst = sqlite3.connect(staging)
        try:
            src.backup(dst)
        finally:
            dst.close()
            src.close()
        for suffix in ("-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        os.replace(staging, target)
    except (sqlite3.Error, OSError) as err:
        staging.unlink(missing_ok=True)
        raise BackupError(f"cannot restore into {target}: {err}", path=str(target)) from err
