"""Logging in: lockout and rate limit, session expiry, token revocation, one-time resets.

Over HTTP: tests/web/accounts/test_login.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from pabrik.model.errors import InvalidRequestError, NotFoundError
from pabrik.runtime.accounts.credentials import secret_hash
from pabrik.runtime.accounts.errors import AuthenticationError, ForbiddenError, RateLimitedError
from pabrik.runtime.accounts.permissions import Role
from pabrik.runtime.accounts.service import Accounts
from pabrik.runtime.accounts.tenancy import TenantScope
from pabrik.runtime.settings import Settings
from pabrik.storage.sqlite.store import SqliteStore

PASSWORD = "correct horse battery staple"


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
    settings = Settings(login_max_failures=3, login_address_failures=5, login_window_minutes=15)
    accounts = Accounts(store, settings, clock, "acme")
    accounts.ensure_tenant("acme", "PT Acme")
    accounts.ensure_tenant("beta", "PT Beta")
    accounts.create_user(
        None, username="budi", password=PASSWORD, role=Role.OPERATOR, tenant_id="acme"
    )
    yield accounts
    store.close()


def test_a_password_is_stored_as_an_argon2_hash(service: Accounts) -> None:
    user = service.user_named("budi")
    assert user.password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert PASSWORD not in user.password_hash


def test_a_hash_made_with_older_parameters_still_logs_in_and_is_renewed(
    service: Accounts,
) -> None:
    user = service.user_named("budi")
    older = PasswordHasher(time_cost=3, memory_cost=65_536, parallelism=4).hash(PASSWORD)
    assert service.store.renew_password_hash(user.id, user.password_hash, older)
    service.login("budi", PASSWORD, "10.0.0.1")
    renewed = service.user_named("budi").password_hash
    assert renewed.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert renewed != older
    service.login("budi", PASSWORD, "10.0.0.1")
    assert service.user_named("budi").password_hash == renewed


def test_wrong_password_and_unknown_user_fail_the_same_way(service: Accounts) -> None:
    with pytest.raises(AuthenticationError) as wrong:
        service.login("budi", "not the password", "10.0.0.1")
    with pytest.raises(AuthenticationError) as unknown:
        service.login("nobody", "not the password", "10.0.0.2")
    assert str(wrong.value) == str(unknown.value)
    assert wrong.value.details == unknown.value.details == {}


def test_repeated_failures_lock_the_name_at_that_address_even_with_the_right_password(
    service: Accounts, clock: Clock
) -> None:
    for _ in range(3):
        with pytest.raises(AuthenticationError):
            service.login("budi", "wrong password!", "10.0.0.1")
    clock.now += timedelta(minutes=2)
    with pytest.raises(RateLimitedError):
        service.login("budi", PASSWORD, "10.0.0.1")
    clock.now += timedelta(minutes=14)
    assert service.login("budi", PASSWORD, "10.0.0.1").principal.name == "budi"


def test_an_unknown_name_locks_too_so_locking_tells_nothing(service: Accounts) -> None:
    for _ in range(3):
        with pytest.raises(AuthenticationError):
            service.login("ghost", "wrong password!", "10.0.0.1")
    with pytest.raises(RateLimitedError):
        service.login("ghost", "wrong password!", "10.0.0.1")


def test_one_address_trying_many_names_is_rate_limited(service: Accounts) -> None:
    for i in range(5):
        with pytest.raises(AuthenticationError):
            service.login(f"guess{i}", "wrong password!", "10.9.9.9")
    with pytest.raises(RateLimitedError):
        service.login("budi", PASSWORD, "10.9.9.9")
    assert service.login("budi", PASSWORD, "10.0.0.5")


def test_a_session_expires_when_idle_and_at_its_maximum_age(
    service: Accounts, clock: Clock
) -> None:
    session = service.login("budi", PASSWORD, "10.0.0.1")
    clock.now += timedelta(minutes=119)
    assert service.session_principal(session.cookie) is not None
    clock.now += timedelta(minutes=121)
    assert service.session_principal(session.cookie) is None
    busy = service.login("budi", PASSWORD, "10.0.0.1")
    for _ in range(13):
        clock.now += timedelta(minutes=59)
        principal = service.session_principal(busy.cookie)
    assert principal is None


def test_the_session_cookie_is_kept_only_as_a_hash(service: Accounts) -> None:
    session = service.login("budi", PASSWORD, "10.0.0.1")
    assert service.store.session(session.cookie) is None
    assert service.store.session(secret_hash(session.cookie)) is not None


def test_disabling_a_person_ends_their_sessions(service: Accounts) -> None:
    session = service.login("budi", PASSWORD, "10.0.0.1")
    service.update_user(None, service.user_named("budi"), disabled=True)
    assert service.session_principal(session.cookie) is None
    with pytest.raises(AuthenticationError):
        service.login("budi", PASSWORD, "10.0.0.1")


def test_an_admin_edit_from_a_row_read_before_a_password_change_keeps_the_new_password(
    service: Accounts,
) -> None:
    read_by_admin = service.user_named("budi")
    session = service.login("budi", PASSWORD, "10.0.0.1")
    service.change_password(session.principal, PASSWORD, "a brand new password")
    service.update_user(None, read_by_admin, display_name="Budi Santoso")
    assert service.login("budi", "a brand new password", "10.0.0.2")
    with pytest.raises(AuthenticationError):
        service.login("budi", PASSWORD, "10.0.0.3")


def test_a_reset_keeps_a_disable_made_after_the_reset_was_asked_for(service: Accounts) -> None:
    token = service.issue_reset("cli", service.user_named("budi"))
    service.update_user(None, service.user_named("budi"), disabled=True)
    service.reset_password(token, "a brand new password")
    assert service.user_named("budi").disabled
    with pytest.raises(AuthenticationError):
        service.login("budi", "a brand new password", "10.0.0.1")


def test_a_revoked_token_stops_working_at_once(service: Accounts) -> None:
    made = service.create_token(None, label="PLC gateway", role=Role.ENGINEER, tenant_id="acme")
    principal = service.token_principal(made.secret)
    assert principal is not None
    assert principal.scope() == TenantScope("acme", Role.ENGINEER, f"token:{made.record.id}")
    service.revoke_token(None, made.record.id)
    assert service.token_principal(made.secret) is None
    assert service.store.token_by_hash(made.secret) is None


def test_a_company_admin_cannot_revoke_or_see_another_companys_token(service: Accounts) -> None:
    made = service.create_token(None, label="beta line", role=Role.OPERATOR, tenant_id="beta")
    admin = TenantScope("acme", Role.COMPANY_ADMIN, "ani")
    assert made.record.id not in {t.id for t in service.tokens(admin)}
    with pytest.raises(NotFoundError):
        service.revoke_token(admin, made.record.id)


def test_a_company_admin_grants_only_company_roles_in_their_company(service: Accounts) -> None:
    admin = TenantScope("acme", Role.COMPANY_ADMIN, "ani")
    with pytest.raises(ForbiddenError):
        service.create_user(
            admin, username="x", password=PASSWORD, role=Role.ENGINEER, tenant_id="beta"
        )
    with pytest.raises(InvalidRequestError):
        service.create_user(
            admin, username="y", password=PASSWORD, role=Role.SYSTEM_ADMIN, tenant_id="acme"
        )


def test_a_reset_token_works_once(service: Accounts) -> None:
    token = service.issue_reset("cli", service.user_named("budi"))
    service.reset_password(token, "a brand new password")
    assert service.login("budi", "a brand new password", "10.0.0.1")
    with pytest.raises(AuthenticationError):
        service.reset_password(token, "yet another password")


def test_an_expired_reset_token_fails(service: Accounts, clock: Clock) -> None:
    token = service.issue_reset("cli", service.user_named("budi"))
    clock.now += timedelta(hours=25)
    with pytest.raises(AuthenticationError):
        service.reset_password(token, "a brand new password")


def test_weak_passwords_are_refused(service: Accounts) -> None:
    for weak in ("short", "aaaaaaaaaaaa", "x" * 300):
        with pytest.raises(InvalidRequestError):
            service.create_user(
                None, username=f"u{len(weak)}", password=weak, role=Role.OPERATOR, tenant_id="acme"
            )


def test_every_change_by_a_person_is_audited(service: Accounts) -> None:
    admin = TenantScope("acme", Role.COMPANY_ADMIN, "ani")
    service.update_user(admin, service.user_named("budi"), role=Role.ENGINEER)
    entry = service.audit(admin)[0]
    assert (entry.actor, entry.action, entry.subject) == ("ani", "user.update", "budi")
    assert '"role": "operator"' in (entry.before_json or "")
    assert '"role": "engineer"' in (entry.after_json or "")
    assert "argon2" not in (entry.before_json or "") + (entry.after_json or "")
