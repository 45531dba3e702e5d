"""Versioned SQL migrations for PostgreSQL, tracked in ``schema_migrations``."""

from __future__ import annotations

from importlib import resources

import psycopg

# Session-level advisory lock: several workers may start at once, one migrates.
MIGRATION_LOCK = 0x70616272696B00

_CREATE_LEDGER = (
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version integer PRIMARY KEY,"
    " name text NOT NULL,"
    " applied_at timestamptz NOT NULL DEFAULT now())"
)


def migrations() -> list[tuple[int, str, str]]:
    """The shipped PostgreSQL migrations as (version, file name, SQL), in order."""
    folder = resources.files("pabrik.storage.postgres").joinpath("migrations")
    found = [
        (int(f.name.split("_", 1)[0]), f.name, f.read_text(encoding="utf-8"))
        for f in folder.iterdir()
        if f.name.endswith(".sql")
    ]
    return sorted(found)


def applied_versions(conn: psycopg.Connection[tuple[object, ...]]) -> set[int]:
    """Versions recorded as applied; none when the ledger does not exist yet."""
    row = conn.execute("SELECT to_regclass('schema_migrations')").fetchone()
    if row is None or row[0] is None:
        return set()
    return {int(str(r[0])) for r in conn.execute("SELECT version FROM schema_migrations")}


def contiguous(applied: set[int], known: list[int]) -> int:
    """The highest known version with every known version up to it applied."""
    done = 0
    for version in known:
        if version not in applied:
            break
        done = version
    return done


def upgrade(conn: psycopg.Connection[tuple[object, ...]]) -> list[str]:
    """Apply pending migrations, one transaction each, under the migration lock."""
    conn.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK,))
    try:
        conn.execute(_CREATE_LEDGER)
        done = applied_versions(conn)
        applied: list[str] = []
        for version, name, text in migrations():
            if version in done:
                continue
            with conn.transaction():
                # Migration files are ours and parameter-free: run them as one script.
                conn.execute(text.encode("utf-8"))
                conn.execute(
                    "INSERT INTO schema_migrations (version, name) VALUES (%s, %s)",
                    (version, name),
                )
            applied.append(f"{version:04d}")
        return applied
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK,))


def status(conn: psycopg.Connection[tuple[object, ...]]) -> tuple[int, int]:
    """The applied (contiguous) and the latest known schema version."""
    known = [v for v, _, _ in migrations()]
    return contiguous(applied_versions(conn), known), max(known)
