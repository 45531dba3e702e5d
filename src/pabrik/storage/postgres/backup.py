"""Backup and restore of a PostgreSQL store with ``pg_dump`` and ``pg_restore``.

``pg_dump`` runs on a snapshot we export and hold open, so the dump, its row counts and its
cut-off all see the same committed data while ingest goes on writing. The password never
reaches argv or a log: libpq reads it from ``PGPASSWORD`` in the child's environment.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from pabrik.model.errors import BackupError
from pabrik.storage.postgres import migrate as pgmigrate
from pabrik.storage.snapshot import Snapshot

_TABLES = (
    "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
    " WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')"
    " AND NOT c.relispartition ORDER BY c.relname"
)
_TIMEOUT_S = 6 * 3600


def libpq_target(url: str) -> tuple[str, dict[str, str]]:
    """A connection string without the password, and the environment that carries it."""
    try:
        params = {k: str(v) for k, v in conninfo_to_dict(url).items() if v is not None}
    except psycopg.ProgrammingError as err:
        raise BackupError("the database URL cannot be parsed") from err
    env = dict(os.environ)
    password = params.pop("password", None)
    if password is not None:
        env["PGPASSWORD"] = password
    return make_conninfo(**params), env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} not found: install the PostgreSQL client programs")
    return found


def _run(args: list[str], env: dict[str, str], what: str) -> None:
    """Run a client program; its stderr (never our argv's password) goes into the error."""
    try:
        done = subprocess.run(  # noqa: S603
            args, env=env, capture_output=True, text=True, timeout=_TIMEOUT_S, check=False
        )
    except (OSError, subprocess.SubprocessError) as err:
        raise BackupError(f"{what} failed: {err}") from err
    if done.returncode != 0:
        raise BackupError(f"{what} failed: {done.stderr.strip()[-2000:]}")


def dump_postgres(url: str, target: Path, label: str) -> Snapshot:
    """Dump the database in custom format into ``target`` while writers go on."""
    conninfo, env = libpq_target(url)
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            # now() is the transaction's start, just before its snapshot: the cut-off.
            row = conn.execute("SELECT pg_export_snapshot(), now()").fetchone()
            assert row is not None
            snapshot = _describe(conn, row[1])
            args = [_tool("pg_dump"), "--format=custom", f"--snapshot={row[0]}",
                    f"--file={target}", f"--dbname={conninfo}"]  # fmt: skip
            _run(args, env, f"pg_dump of {label}")
            conn.execute("COMMIT")
    except psycopg.Error as err:
        raise BackupError(f"cannot back up {label}: {err}") from err
    return snapshot


def _describe(conn: psycopg.Connection[tuple[object, ...]], cut_off: object) -> Snapshot:
    """Schema version and rows per table, read in the exported snapshot."""
    assert isinstance(cut_off, datetime)
    versions = pgmigrate.applied_versions(conn)
    tables = [str(r[0]) for r in conn.execute(_TABLES)]
    counts: dict[str, int] = {}
    for table in tables:
        query = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
        counted = conn.execute(query).fetchone()
        counts[table] = int(str(counted[0])) if counted else 0
    return Snapshot(cut_off, max(versions, default=0), counts)


def database_is_empty(url: str, label: str) -> bool:
    """Whether the database holds no pabrik tables yet."""
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            return not pgmigrate.applied_versions(conn)
    except psycopg.Error as err:
        raise BackupError(f"cannot reach {label}: {err}") from err


def restore_postgres(dump: Path, url: str, label: str, *, replace: bool = False) -> None:
    """Load a checked dump in one transaction; ``replace`` empties the schema in it first."""
    conninfo, env = libpq_target(url)
    if replace:
        _replace(dump, conninfo, env, label)
        return
    args = [_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
            "--single-transaction", f"--dbname={conninfo}", str(dump)]  # fmt: skip
    _run(args, env, f"pg_restore into {label}")


def _replace(dump: Path, conninfo: str, env: dict[str, str], label: str) -> None:
    """Drop and recreate the schema, then load the dump, all in one psql transaction.

    ``pg_restore --clean`` cannot drop the partitions' inherited keys, so the schema goes
    as a whole; a failure anywhere rolls the drop back too.
    """
    empty = "DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;"
    script = [_tool("pg_restore"), "--no-owner", "--no-privileges", "--file=-", str(dump)]
    load = [_tool("psql"), "--no-psqlrc", "--quiet", "--single-transaction",
            "--set=ON_ERROR_STOP=1", f"--command={empty}", "--file=-",
            f"--dbname={conninfo}"]  # fmt: skip
    try:
        with subprocess.Popen(  # noqa: S603
            script, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        ) as source:
            done = subprocess.run(  # noqa: S603
                load, env=env, stdin=source.stdout, capture_output=True, text=True,
                timeout=_TIMEOUT_S, check=False,
            )  # fmt: skip
            failed = source.wait(timeout=_TIMEOUT_S) != 0
            source_err = source.stderr.read().decode("utf-8", "replace") if source.stderr else ""
    except (OSError, subprocess.SubprocessError) as err:
        raise BackupError(f"restore into {label} failed: {err}") from err
    if failed or done.returncode != 0:
        text = (source_err + done.stderr).strip()[-2000:]
        raise BackupError(f"restore into {label} failed: {text}")
