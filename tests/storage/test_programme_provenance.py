"""Programme results keep their provenance, and an import never changes a tenant (issue 11)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from pabrik.storage.accounts import AuditLogRow, ProgrammeResultRow, TenantRow, UserRow
from pabrik.storage.postgres.store import PostgresStore
from pabrik.storage.sqlite.schema import migrations, sql_statements
from pabrik.storage.sqlite.store import SqliteStore

T0 = datetime(2025, 1, 6, tzinfo=UTC)
HASH = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA"
Backend = SqliteStore | PostgresStore


def _tenant(tenant_id: str, name: str, nib: str | None) -> TenantRow:
    return TenantRow(tenant_id, name, nib, "22220", "Banten", "small", "[]", T0, T0)


def _audit() -> AuditLogRow:
    return AuditLogRow(None, "admin", "programme.import", "indi.csv", None, "{}", T0)


def _row(tenant_id: str) -> ProgrammeResultRow:
    return ProgrammeResultRow(
        tenant_id, 2024, "indi40", 2.5, 2, "{}", "{}", False, None, None, "small", "import",
        source_file="indi-2024.xlsx",
    )  # fmt: skip


def test_an_imported_result_keeps_who_imported_it_and_from_which_file(store: Backend) -> None:
    store.save_programme_results(
        [_row("nib-1")], [_tenant("nib-1", "PT Satu", "9100000000001")], "prog-admin", _audit()
    )
    (got,) = store.programme_results()
    assert (got.source, got.imported_by, got.source_file) == (
        "import",
        "prog-admin",
        "indi-2024.xlsx",
    )
    assert got.registration_no == "9100000000001"


def test_an_import_never_renames_an_existing_tenant(store: Backend) -> None:
    store.save_tenant(_tenant("nib-9555", "PT Asli", None), [])
    store.save_programme_results(
        [_row("nib-9555")], [_tenant("nib-9555", "PT Palsu", "9555")], "prog-admin", _audit()
    )
    got = store.tenant("nib-9555")
    assert got is not None
    assert (got.name, got.registration_no) == ("PT Asli", None)


def test_an_import_without_rows_is_still_audited(store: Backend) -> None:
    store.save_programme_results([], [], "prog-admin", _audit())
    assert [a.action for a in store.audit_entries(None, 5, 0)] == ["programme.import"]


def test_a_programme_admin_is_a_person_the_store_keeps(store: Backend) -> None:
    store.save_user(UserRow("u1", "prog", "", None, "programme_admin", HASH, False, T0, T0), [])
    got = store.user("u1")
    assert got is not None
    assert got.role == "programme_admin"


def test_the_sqlite_users_table_is_rebuilt_with_its_people(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as conn:
        for version, sql in migrations():
            if version >= 8:
                break
            for statement in sql_statements(sql):
                conn.execute(statement)
        conn.execute("PRAGMA user_version = 7")
        conn.execute(
            "INSERT INTO users VALUES ('u1', 'Ana', '', NULL, 'analyst', ?, 0, 1, 1)", (HASH,)
        )
    conn.close()
    store = SqliteStore(path)
    try:
        assert store.upgrade()[0] == "0008"
        got = store.user_by_name("ana")
        assert got is not None
        assert got.role == "analyst"
    finally:
        store.close()
