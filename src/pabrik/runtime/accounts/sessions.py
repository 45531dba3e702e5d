"""Logging in with throttling, sessions, and who a session cookie belongs to."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from pabrik.model.errors import NotFoundError
from pabrik.runtime.accounts.credentials import (
    hash_password,
    needs_rehash,
    new_secret,
    secret_hash,
    verify_password,
)
from pabrik.runtime.accounts.errors import AuthenticationError
from pabrik.runtime.accounts.names import canonical
from pabrik.runtime.accounts.permissions import COMPANY_ROLES, Role
from pabrik.runtime.accounts.tenancy import Principal
from pabrik.runtime.accounts.throttle import Throttle, login_keys
from pabrik.storage.accounts import SessionRow, UserRow

TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class NewSession:
    """A session just opened: the cookie value (shown once) and the principal."""

    cookie: str
    principal: Principal


class Sessions(Throttle):
    """Login, the session's principal, switching the active tenant, logout."""

    def login(self, username: str, password: str, address: str) -> NewSession:
        """Check a name and password; every failure looks the same to the caller."""
        self.ensure_site_tenant()
        keys = login_keys(username, address)
        self.check_throttle(keys)
        name = canonical(username[:256])
        user = self.store.user_by_name(name) if len(name) <= 64 else None
        ok = verify_password(user.password_hash if user else None, password[:256])
        if user is None or not ok or user.disabled:
            self.count_failure(keys)
            raise AuthenticationError("wrong user name or password")
        if needs_rehash(user.password_hash):
            # Hashes made under older parameters move to the current ones as people log in.
            renewed = hash_password(password[:256])
            self.store.renew_password_hash(user.id, user.password_hash, renewed)
        cookie = new_secret()
        now = self.clock()
        row = SessionRow(
            secret_hash(cookie),
            user.id,
            new_secret(),
            None,
            now,
            now,
            self._expiry(now, now),
        )
        audit = self._audit(user.tenant_id, user.username, "session.login", user.username)
        # The pair and the name are cleared; the address keeps its count.
        self.store.open_session(row, audit, cleared=keys[:2])
        return NewSession(cookie, self._principal(user, row))

    def _expiry(self, created: datetime, seen: datetime) -> datetime:
        idle = seen + timedelta(minutes=self.settings.session_idle_minutes)
        return min(idle, created + timedelta(hours=self.settings.session_max_hours))

    def session_principal(self, cookie: str) -> Principal | None:
        """The person behind a session cookie, or None when it is unknown or expired."""
        if not cookie or len(cookie) > 128:
            return None
        digest = secret_hash(cookie)
        row = self.store.session(digest)
        if row is None:
            return None
        now = self.clock()
        user = self.store.user(row.user_id)
        if row.expires_at <= now or user is None or user.disabled:
            self.store.delete_sessions(token_hash=digest)
            return None
        if now - row.last_seen >= TOUCH_EVERY:
            row = replace(row, last_seen=now, expires_at=self._expiry(row.created_at, now))
            self.store.save_session(row)
        return self._principal(user, row)

    def _principal(self, user: UserRow, session: SessionRow) -> Principal:
        role = Role(user.role)
        tenants = self._tenants_of(user, role)
        active = session.active_tenant if session.active_tenant in tenants else None
        return Principal(
            name=user.username,
            role=role,
            home_tenant=user.tenant_id,
            tenants=tenants,
            active_tenant=active or self._default_tenant(user, role, tenants),
            via="session",
            user_id=user.id,
            session_hash=session.token_hash,
            csrf_token=session.csrf_token,
        )

    def _tenants_of(self, user: UserRow, role: Role) -> tuple[str, ...]:
        if role is Role.SYSTEM_ADMIN:
            return tuple(t.id for t in self.store.tenants())
        if role is Role.ASSESSOR:
            return tuple(self.store.assignments(user.id))
        return (user.tenant_id,) if user.tenant_id else ()

    def _default_tenant(self, user: UserRow, role: Role, tenants: tuple[str, ...]) -> str | None:
        if role in COMPANY_ROLES:
            return user.tenant_id
        if role is Role.SYSTEM_ADMIN and self.site_tenant in tenants:
            return self.site_tenant
        return tenants[0] if tenants and role is not Role.ANALYST else None

    def switch_tenant(self, principal: Principal, tenant_id: str) -> None:
        """An assessor or system admin chooses the company they act for."""
        if principal.session_hash is None or tenant_id not in principal.tenants:
            raise NotFoundError("tenant not found", tenant=tenant_id)
        row = self.store.session(principal.session_hash)
        if row is not None:
            self.store.save_session(replace(row, active_tenant=tenant_id))

    def logout(self, principal: Principal) -> None:
        """End the session."""
        if principal.session_hash:
            self.store.delete_sessions(token_hash=principal.session_hash)
