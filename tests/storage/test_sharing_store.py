"""Shares with their outbox, registrations, shared results and group sites on both backends."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pabrik.storage.accounts import AuditLogRow, TenantRow
from pabrik.storage.postgres.store import PostgresStore
from pabrik.storage.sharing import (
    GroupSiteRow,
    OutboxRow,
    RegistrationRow,
    SharedResultRow,
    SharedSave,
    ShareRow,
)
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


def _audit(tenant: str, action: str) -> AuditLogRow:
    return AuditLogRow(tenant, "ani", action, "", None, "{}", T0)


def test_a_share_its_outbox_row_and_audit_are_written_together_and_finished_once(
    store: Store,
) -> None:
    share = ShareRow("t", "s1", "a1", "https://p.example", "pgr_x", "sharing", "ani", T0, T0)
    store.save_share(share, OutboxRow("t", "s1", "share", "k1", '{"a": 1}', T0), _audit("t", "x"))
    assert store.shares("t") == [share]
    assert store.shares("t", "a1") == [share]
    assert store.shares("t", "other") == []
    (due,) = store.due_outbox(T0)
    assert (due.action, due.payload, due.attempts, due.done_at) == ("share", '{"a": 1}', 0, None)
    store.retry_outbox(due, T0 + timedelta(seconds=2), "HTTP 503")
    assert store.due_outbox(T0 + timedelta(seconds=1)) == []
    (again,) = store.due_outbox(T0 + timedelta(seconds=2))
    assert (again.attempts, again.last_error) == (1, "HTTP 503")
    done = replace(share, status="shared", updated_at=T0 + timedelta(seconds=3))
    store.finish_outbox(again, done, _audit("t", "y"))
    assert store.due_outbox(T0 + timedelta(days=1)) == []
    assert store.share("t", "s1") == done
    assert [a.action for a in store.audit_entries("t", 10, 0)] == ["y", "x"]


def test_shared_results_are_stored_once_per_key_and_deleted_with_an_audit(store: Store) -> None:
    store.save_tenant(
        TenantRow("nib-1", "PT Satu", "9120000000001", None, None, "small", "[]", T0, T0), []
    )
    reg = RegistrationRow("r1", "nib-1", "hash", "boss", T0)
    store.save_registration(reg, _audit("nib-1", "programme.register"))
    assert store.registration_by_hash("hash") == reg
    closed = replace(reg, revoked_at=T0 + timedelta(hours=1))
    store.save_registration(closed, _audit("nib-1", "programme.unregister"))
    assert store.registrations() == [closed]
    row = SharedResultRow(
        "nib-1", "s1", "r1", "indi40", 2025, 2.5, 2, "{}", "{}", '["p1"]', True, "Budi",
        "22220", "Banten", "small", "k1", T0,
    )  # fmt: skip
    assert store.save_shared_result(row, _audit("nib-1", "programme.shared")) == SharedSave.STORED
    assert store.save_shared_result(row, None) == SharedSave.REPEATED
    assert store.shared_results() == [row]
    newer = replace(row, overall=3.0, idempotency_key="k2")
    assert store.save_shared_result(newer, None) == SharedSave.STORED
    assert store.shared_results() == [newer]
    assert store.delete_shared_result("nib-1", "s1", _audit("nib-1", "programme.withdrawn"))
    assert not store.delete_shared_result("nib-1", "s1", _audit("nib-1", "again"))
    assert store.shared_results() == []
    # The withdrawn id is remembered: a delivery of it arriving late is refused, never stored.
    late = replace(row, idempotency_key="k3")
    assert store.save_shared_result(late, None) == SharedSave.WITHDRAWN
    assert store.shared_results() == []
    # A revoke that arrives before its share: the share, delayed, finds its id withdrawn.
    assert not store.delete_shared_result("nib-1", "s2", _audit("nib-1", "early"))
    early = replace(row, share_id="s2", idempotency_key="k4")
    assert store.save_shared_result(early, None) == SharedSave.WITHDRAWN
    assert store.shared_results() == []
    actions = [a.action for a in store.audit_entries("nib-1", 10, 0)]
    assert actions == ["programme.withdrawn", "programme.shared", "programme.unregister",
                       "programme.register"]  # fmt: skip


def test_a_share_and_its_revoke_meeting_never_leave_the_result_shared(store: Store) -> None:
    """Deliveries and withdrawals of the same ids on two threads at once: none stays shared."""
    store.save_tenant(
        TenantRow("nib-1", "PT Satu", "9120000000001", None, None, "small", "[]", T0, T0), []
    )
    row = SharedResultRow(
        "nib-1", "s0", "r1", "indi40", 2025, 2.5, 2, "{}", "{}", "[]", False, "",
        None, None, "small", "k0", T0,
    )  # fmt: skip
    ids = [f"race{i}" for i in range(40)]

    def share() -> None:
        for i, share_id in enumerate(ids):
            store.save_shared_result(replace(row, share_id=share_id, idempotency_key=f"k{i}"), None)

    def revoke() -> None:
        for share_id in ids:
            store.delete_shared_result("nib-1", share_id, _audit("nib-1", "programme.withdrawn"))

    threads = [threading.Thread(target=share), threading.Thread(target=revoke)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert store.shared_results() == []


def test_group_sites_are_kept_per_tenant(store: Store) -> None:
    store.save_group_site(GroupSiteRow("t", "b", "Pabrik B", "site: {}", T0))
    store.save_group_site(GroupSiteRow("t", "a", "Pabrik A", "site: {}", T0))
    store.save_group_site(GroupSiteRow("u", "c", "Pabrik C", "site: {}", T0))
    store.save_group_site(GroupSiteRow("t", "a", "Pabrik A2", "x: 1", T0))
    assert [(s.site_id, s.name) for s in store.group_sites("t")] == [
        ("a", "Pabrik A2"),
        ("b", "Pabrik B"),
    ]
