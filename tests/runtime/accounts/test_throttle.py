"""Guesses are throttled, but nobody can lock another person out; old reset tokens die."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pabrik.runtime.accounts.errors import AuthenticationError, RateLimitedError
from pabrik.runtime.accounts.permissions import Role
from pabrik.runtime.accounts.service import Accounts
from pabrik.runtime.settings import Settings
from pabrik.storage.sqlite.store import SqliteStore

PASSWORD = "correct horse battery staple"
WRONG = "wrong password!"


class Clock:
    """A clock the test moves."""

    def __init__(self) -> None:
        self.now = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def service(tmp_path: Path, clock: Clock) -> Iterator[Accounts]:
    store = SqliteStore(tmp_path / "a.sqlite")
    store.upgrade()
    settings = Settings(login_max_failures=5, login_address_failures=20, login_window_minutes=15)
    accounts = Accounts(store, settings, clock, "acme")
    accounts.ensure_tenant("acme", "PT Acme")
    accounts.create_user(
        None, username="admin", password=PASSWORD, role=Role.SYSTEM_ADMIN, tenant_id=None
    )
    yield accounts
    store.close()


def _fail(service: Accounts, times: int, address: str) -> None:
    for _ in range(times):
        with pytest.raises((AuthenticationError, RateLimitedError)):
            service.login("admin", WRONG, address)


def test_five_wrong_passwords_from_elsewhere_do_not_lock_the_admin_out(
    service: Accounts, clock: Clock
) -> None:
    _fail(service, 5, "203.0.113.7")
    clock.now += timedelta(seconds=2)
    assert service.login("admin", PASSWORD, "10.0.0.2").principal.name == "admin"


def test_the_attackers_own_address_is_locked_for_the_window(
    service: Accounts, clock: Clock
) -> None:
    _fail(service, 5, "203.0.113.7")
    clock.now += timedelta(minutes=5)
    with pytest.raises(RateLimitedError):
        service.login("admin", PASSWORD, "203.0.113.7")


def test_failures_from_many_addresses_slow_the_name_down_with_a_growing_delay(
    service: Accounts, clock: Clock
) -> None:
    for i in range(7):
        clock.now += timedelta(seconds=70)
        _fail(service, 1, f"198.51.100.{i}")
    # The seventh failure is two past the limit: a four-second delay, for everyone.
    with pytest.raises(RateLimitedError):
        service.login("admin", PASSWORD, "10.0.0.2")
    clock.now += timedelta(seconds=5)
    assert service.login("admin", PASSWORD, "10.0.0.2")


def test_the_delay_never_passes_a_minute(service: Accounts, clock: Clock) -> None:
    for i in range(14):  # as many as fit, a minute apart, in the 15-minute window
        clock.now += timedelta(seconds=61)
        _fail(service, 1, f"198.51.100.{i}")
    clock.now += timedelta(seconds=61)
    assert service.login("admin", PASSWORD, "10.0.0.2")


def test_wrong_current_passwords_on_the_change_form_are_throttled(service: Accounts) -> None:
    session = service.login("admin", PASSWORD, "10.0.0.2")
    for _ in range(5):
        with pytest.raises(AuthenticationError):
            service.change_password(session.principal, WRONG, "a brand new password")
    with pytest.raises(RateLimitedError):
        service.change_password(session.principal, PASSWORD, "a brand new password")


def test_a_new_reset_token_revokes_the_older_one(service: Accounts) -> None:
    user = service.user_named("admin")
    old = service.issue_reset("cli", user)
    new = service.issue_reset("cli", user)
    with pytest.raises(AuthenticationError):
        service.reset_password(old, "a brand new password")
    service.reset_password(new, "a brand new password")
    assert service.login("admin", "a brand new password", "10.0.0.2")
