"""A login writes in one transaction, so under ingest it queues behind the writer once."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pabrik.runtime.accounts.errors import AuthenticationError
from pabrik.runtime.accounts.permissions import Role
from pabrik.runtime.accounts.service import Accounts
from pabrik.runtime.settings import Settings
from pabrik.storage.sqlite.store import SqliteStore

PASSWORD = "correct horse battery staple"


class CountingStore(SqliteStore):
    """The real SQLite store, counting the write transactions it opens."""

    transactions = 0

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[object]:  # type: ignore[override]
        self.transactions += 1
        with super()._transaction() as conn:
            yield conn


@pytest.fixture
def store(tmp_path: Path) -> Iterator[CountingStore]:
    store = CountingStore(tmp_path / "a.sqlite")
    store.upgrade()
    yield store
    store.close()


def _accounts(store: CountingStore) -> Accounts:
    clock = lambda: datetime(2025, 3, 3, 8, 0, tzinfo=UTC)  # noqa: E731
    accounts = Accounts(store, Settings(), clock, "acme")
    accounts.ensure_tenant("acme", "PT Acme")
    accounts.create_user(
        None, username="admin", password=PASSWORD, role=Role.SYSTEM_ADMIN, tenant_id=None
    )
    return accounts


def test_a_login_opens_its_session_in_one_write_transaction(store: CountingStore) -> None:
    accounts = _accounts(store)
    before = store.transactions
    made = accounts.login("admin", PASSWORD, "203.0.113.7")
    assert store.transactions - before == 1
    principal = accounts.session_principal(made.cookie)
    assert principal is not None
    assert principal.name == "admin"
    assert [a.action for a in store.audit_entries(None, 1, 0)] == ["session.login"]


def test_a_login_after_failures_clears_them_in_the_same_transaction(
    store: CountingStore,
) -> None:
    accounts = _accounts(store)
    with pytest.raises(AuthenticationError):
        accounts.login("admin", "wrong password!", "203.0.113.7")
    assert store.throttle(["pair:admin|203.0.113.7"])
    before = store.transactions
    accounts.login("admin", PASSWORD, "203.0.113.7")
    assert store.transactions - before == 1
    assert store.throttle(["pair:admin|203.0.113.7", "user:admin"]) == []
    assert [t.key for t in store.throttle(["addr:203.0.113.7"])] == ["addr:203.0.113.7"]
