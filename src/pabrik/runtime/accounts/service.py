"""Account use cases: tenants, users, login with throttling, sessions, API tokens, resets."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from pabrik.model.errors import InvalidRequestError, NotFoundError
from pabrik.runtime.accounts.credentials import (
    TOKEN_PREFIX,
    check_password_rules,
    hash_password,
    new_secret,
    secret_hash,
    verify_password,
)
from pabrik.runtime.accounts.errors import AuthenticationError, ForbiddenError, RateLimitedError
from pabrik.runtime.accounts.permissions import COMPANY_ROLES, Role, load_permissions
from pabrik.runtime.accounts.tenancy import Principal, TenantScope
from pabrik.runtime.programme import reference
from pabrik.runtime.settings import Settings
from pabrik.storage.accounts import (
    AccountStore,
    AuditLogRow,
    ResetRow,
    SessionRow,
    TenantRow,
    ThrottleRow,
    TokenRow,
    UserRow,
)

Clock = Callable[[], datetime]
# Row types the delivery layers read through this module (they never import storage).
TenantRecord = TenantRow
UserRecord = UserRow
TokenRecord = TokenRow
AuditRecord = AuditLogRow

RESET_VALID = timedelta(hours=24)
TOUCH_EVERY = timedelta(minutes=1)
CLI_ACTOR = "cli"
PAGE = 200


@dataclass(frozen=True, slots=True)
class NewSession:
    """A session just opened: the cookie value (shown once) and the principal."""

    cookie: str
    principal: Principal


@dataclass(frozen=True, slots=True)
class NewToken:
    """An API token just made: the secret (shown once) and its record."""

    secret: str
    record: TokenRow


def _dump(value: object) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def _public(user: UserRow) -> dict[str, object]:
    """What the audit keeps of a user: never the password hash."""
    return {
        "username": user.username,
        "display_name": user.display_name,
        "tenant": user.tenant_id,
        "role": user.role,
        "disabled": user.disabled,
    }


class Accounts:
    """Tenants, people, sessions and tokens over an account store."""

    def __init__(
        self, store: AccountStore, settings: Settings, clock: Clock, site_tenant: str
    ) -> None:
        self.store = store
        self.settings = settings
        self.clock = clock
        self.site_tenant = site_tenant
        # (id, name, province) of the site's owner while its row could not be written yet.
        self.pending_site_tenant: tuple[str, str, str | None] | None = None

    def ensure_site_tenant(self) -> None:
        """Create the site owner's tenant row if start-up could not (database was down)."""
        pending = self.pending_site_tenant
        if pending is not None:
            self.ensure_tenant(*pending)
            self.pending_site_tenant = None

    def _audit(
        self,
        scope_tenant: str | None,
        actor: str,
        action: str,
        subject: str,
        before: object = None,
        after: object = None,
    ) -> AuditLogRow:
        return AuditLogRow(
            scope_tenant, actor, action, subject, _dump(before), _dump(after), self.clock()
        )

    # --- tenants -------------------------------------------------------------------------

    def ensure_tenant(self, tenant_id: str, name: str, province: str | None = None) -> TenantRow:
        """The tenant, created with a name (and province) when it does not exist yet."""
        row = self.store.tenant(tenant_id)
        if row is not None:
            return row
        now = self.clock()
        row = TenantRow(tenant_id, name[:200], None, None, province, "medium", "[]", now, now)
        self.store.save_tenant(row, [self._audit(tenant_id, "system", "tenant.create", tenant_id)])
        return row

    def create_tenant(
        self,
        actor: str,
        *,
        tenant_id: str,
        name: str,
        registration_no: str | None = None,
        kbli: str | None = None,
        province: str | None = None,
        size: str = "medium",
        sites: tuple[str, ...] = (),
    ) -> TenantRow:
        """A new company, with its attributes checked against the reference lists."""
        reference.tenant_id(tenant_id)
        if self.store.tenant(tenant_id) is not None:
            raise InvalidRequestError("that tenant id is taken", reason="tenant_exists")
        if not name.strip() or len(name) > 200:
            raise InvalidRequestError("a company needs a name", reason="bad_name")
        nib = reference.registration_no(registration_no) if registration_no else None
        if nib and self.store.tenant_by_registration(nib) is not None:
            raise InvalidRequestError("that NIB is registered already", reason="tenant_exists")
        now = self.clock()
        row = TenantRow(
            tenant_id,
            name.strip(),
            nib,
            reference.kbli_code(kbli) if kbli else None,
            reference.province_name(province) if province else None,
            reference.size_class(size),
            json.dumps(list(sites)),
            now,
            now,
        )
        audit = self._audit(tenant_id, actor, "tenant.create", tenant_id, after=_tenant_data(row))
        self.store.save_tenant(row, [audit])
        return row

    def tenants(self) -> list[TenantRow]:
        """Every tenant."""
        return self.store.tenants()

    def tenant(self, tenant_id: str | None) -> TenantRow:
        """One tenant, or ``NotFoundError``."""
        row = self.store.tenant(tenant_id) if tenant_id else None
        if row is None:
            raise NotFoundError("tenant not found", tenant=tenant_id)
        return row

    # --- users ---------------------------------------------------------------------------

    def _managed(self, scope: TenantScope) -> str | None:
        """The tenant whose people a manager may see: every tenant for a system admin."""
        if scope.role is Role.SYSTEM_ADMIN:
            return None
        return scope.require_tenant()

    def _check_grant(self, scope: TenantScope | None, role: Role, tenant_id: str | None) -> None:
        """A company admin makes company roles in their own company; a system admin anything."""
        if role in COMPANY_ROLES and tenant_id is None:
            raise InvalidRequestError("a company role needs a tenant", reason="tenant_required")
        if role not in COMPANY_ROLES and tenant_id is not None:
            raise InvalidRequestError(
                "assessors, analysts and system admins belong to no tenant", reason="no_tenant"
            )
        if scope is None or scope.role is Role.SYSTEM_ADMIN:
            return
        if role not in COMPANY_ROLES or tenant_id != scope.tenant_id:
            raise ForbiddenError("a company admin manages company roles of their own company")

    def create_user(
        self,
        scope: TenantScope | None,
        *,
        username: str,
        password: str,
        role: Role,
        tenant_id: str | None,
        display_name: str = "",
    ) -> UserRow:
        """A new person; ``scope`` None is the command line (trusted, like a system admin)."""
        self.ensure_site_tenant()
        name = username.strip()
        if not 1 <= len(name) <= 64 or any(c.isspace() for c in name):
            raise InvalidRequestError(
                "a user name has 1 to 64 characters and no spaces", reason="bad_username"
            )
        self._check_grant(scope, role, tenant_id)
        if tenant_id is not None:
            self.tenant(tenant_id)
        check_password_rules(password)
        if self.store.user_by_name(name) is not None:
            raise InvalidRequestError("that user name is taken", reason="user_exists")
        now = self.clock()
        row = UserRow(
            secrets.token_hex(8),
            name,
            display_name.strip()[:200],
            tenant_id,
            role.value,
            hash_password(password),
            False,
            now,
            now,
        )
        actor = scope.actor if scope else CLI_ACTOR
        audit = self._audit(tenant_id, actor, "user.create", name, after=_public(row))
        self.store.save_user(row, [audit])
        return row

    def users(self, scope: TenantScope) -> list[UserRow]:
        """The people a manager may see."""
        return self.store.users(self._managed(scope))

    def all_users(self) -> list[UserRow]:
        """Every person (command line)."""
        return self.store.users(None)

    def user(self, scope: TenantScope, user_id: str) -> UserRow:
        """One person the manager may see; any other is 'not found'."""
        row = self.store.user(user_id)
        managed = self._managed(scope)
        if row is None or (managed is not None and row.tenant_id != managed):
            raise NotFoundError("user not found", user=user_id)
        return row

    def user_named(self, username: str) -> UserRow:
        """A person by login name (command line)."""
        row = self.store.user_by_name(username)
        if row is None:
            raise NotFoundError(f"no user {username!r}", user=username)
        return row

    def update_user(
        self,
        scope: TenantScope | None,
        user: UserRow,
        *,
        disabled: bool | None = None,
        role: Role | None = None,
        display_name: str | None = None,
    ) -> UserRow:
        """Disable, enable, rename or change the role of a person; sessions end on disable."""
        new_role = role or Role(user.role)
        self._check_grant(scope, new_role, user.tenant_id)
        updated = replace(
            user,
            disabled=user.disabled if disabled is None else disabled,
            role=new_role.value,
            display_name=user.display_name if display_name is None else display_name[:200],
            updated_at=self.clock(),
        )
        actor = scope.actor if scope else CLI_ACTOR
        audit = self._audit(
            user.tenant_id, actor, "user.update", user.username, _public(user), _public(updated)
        )
        self.store.save_user(updated, [audit])
        if updated.disabled or updated.role != user.role:
            self.store.delete_sessions(user_id=user.id)
        return updated

    def assign(self, actor: str, user: UserRow, tenant_id: str) -> None:
        """Let an assessor verify a company's assessments."""
        if user.role != Role.ASSESSOR:
            raise InvalidRequestError("only assessors are assigned", reason="not_assessor")
        self.tenant(tenant_id)
        audit = self._audit(tenant_id, actor, "assessor.assign", user.username, after=tenant_id)
        self.store.assign(user.id, tenant_id, [audit])

    # --- passwords -----------------------------------------------------------------------

    def issue_reset(self, actor: str, user: UserRow) -> str:
        """A one-time reset token for a person (shown once; valid for a day)."""
        token = new_secret()
        expires = self.clock() + RESET_VALID
        self.store.save_reset(ResetRow(secret_hash(token), user.id, expires))
        audit = self._audit(user.tenant_id, actor, "user.reset_issued", user.username)
        self.store.write_audit([audit])
        return token

    def reset_password(self, token: str, password: str) -> None:
        """Spend a reset token; a used, expired or unknown token fails the same way."""
        check_password_rules(password)
        digest = secret_hash(token)
        row = self.store.reset(digest)
        user = self.store.user(row.user_id) if row else None
        if row is None or user is None or row.used_at or row.expires_at <= self.clock():
            raise AuthenticationError("the reset token is not valid")
        updated = replace(user, password_hash=hash_password(password), updated_at=self.clock())
        audit = self._audit(user.tenant_id, user.username, "user.password_reset", user.username)
        if not self.store.use_reset(digest, updated, self.clock(), audit):
            raise AuthenticationError("the reset token is not valid")

    def change_password(self, principal: Principal, current: str, new: str) -> None:
        """A person changes their own password; other sessions end."""
        user = self.store.user(principal.user_id or "")
        if user is None or not verify_password(user.password_hash, current):
            raise AuthenticationError("the current password is wrong")
        check_password_rules(new)
        updated = replace(user, password_hash=hash_password(new), updated_at=self.clock())
        audit = self._audit(user.tenant_id, user.username, "user.password_change", user.username)
        self.store.save_user(updated, [audit])
        self.store.delete_sessions(user_id=user.id)

    # --- login and sessions --------------------------------------------------------------

    def _window(self) -> timedelta:
        return timedelta(minutes=self.settings.login_window_minutes)

    def _keys(self, username: str, address: str) -> list[str]:
        return [f"user:{username.strip().casefold()[:64]}", f"addr:{address[:64]}"]

    def _limit(self, key: str) -> int:
        if key.startswith("user:"):
            return self.settings.login_max_failures
        return self.settings.login_address_failures

    def _check_lock(self, keys: list[str]) -> None:
        now = self.clock()
        locked = [t for t in self.store.throttle(keys) if t.locked_until > now]
        if locked:
            wait = max(t.locked_until for t in locked) - now
            minutes = max(1, -(-int(wait.total_seconds()) // 60))
            raise RateLimitedError("too many failed logins; try again later", minutes=minutes)

    def _fail(self, keys: list[str]) -> None:
        now = self.clock()
        known = {t.key: t for t in self.store.throttle(keys)}
        rows: list[ThrottleRow] = []
        for key in keys:
            old = known.get(key)
            fresh = old is None or now - old.window_start > self._window()
            failures = 1 if fresh or old is None else old.failures + 1
            start = now if fresh or old is None else old.window_start
            locked = now + self._window() if failures >= self._limit(key) else now
            rows.append(ThrottleRow(key, failures, start, locked))
        self.store.save_throttle(rows)

    def login(self, username: str, password: str, address: str) -> NewSession:
        """Check a name and password; every failure looks the same to the caller."""
        self.ensure_site_tenant()
        keys = self._keys(username, address)
        self._check_lock(keys)
        user = self.store.user_by_name(username.strip()) if len(username) <= 64 else None
        ok = verify_password(user.password_hash if user else None, password[:256])
        if user is None or not ok or user.disabled:
            self._fail(keys)
            raise AuthenticationError("wrong user name or password")
        self.store.clear_throttle(keys[:1])
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
        self.store.save_session(row)
        audit = self._audit(user.tenant_id, user.username, "session.login", user.username)
        self.store.write_audit([audit])
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

    # --- API tokens ----------------------------------------------------------------------

    def create_token(
        self, scope: TenantScope | None, *, label: str, role: Role, tenant_id: str
    ) -> NewToken:
        """A token for one tenant and one role; the secret is returned once, kept hashed."""
        self.ensure_site_tenant()
        if role not in load_permissions().token_roles:
            raise InvalidRequestError(f"tokens cannot carry the role {role}", reason="bad_role")
        self._check_grant(scope, role, tenant_id)
        self.tenant(tenant_id)
        text = label.strip()
        if not 1 <= len(text) <= 100:
            raise InvalidRequestError("a token needs a label", reason="bad_label")
        secret = new_secret(TOKEN_PREFIX)
        actor = scope.actor if scope else CLI_ACTOR
        row = TokenRow(
            secrets.token_hex(6),
            secret_hash(secret),
            tenant_id,
            role.value,
            text,
            actor,
            self.clock(),
        )
        after = {"label": text, "role": role.value, "id": row.id}
        self.store.save_token(
            row, [self._audit(tenant_id, actor, "token.create", row.id, after=after)]
        )
        return NewToken(secret, row)

    def tokens(self, scope: TenantScope) -> list[TokenRow]:
        """The tokens a manager may see."""
        return self.store.tokens(self._managed(scope))

    def revoke_token(self, scope: TenantScope | None, token_id: str) -> TokenRow:
        """Revoke a token at once; another tenant's token is 'not found'."""
        managed = None if scope is None else self._managed(scope)
        found = [t for t in self.store.tokens(managed) if t.id == token_id]
        if not found:
            raise NotFoundError("token not found", token=token_id)
        row = found[0]
        if row.revoked_at is not None:
            return row
        revoked = replace(row, revoked_at=self.clock())
        actor = scope.actor if scope else CLI_ACTOR
        audit = self._audit(
            row.tenant_id,
            actor,
            "token.revoke",
            row.id,
            before={"revoked": False},
            after={"revoked": True},
        )
        self.store.save_token(revoked, [audit])
        return revoked

    def token_principal(self, secret: str) -> Principal | None:
        """The integration behind a bearer token, or None when unknown or revoked."""
        if not secret.startswith(TOKEN_PREFIX) or len(secret) > 128:
            return None
        row = self.store.token_by_hash(secret_hash(secret))
        if row is None or row.revoked_at is not None:
            return None
        now = self.clock()
        if row.last_used is None or now - row.last_used >= TOUCH_EVERY:
            self.store.touch_token(row.id, now)
        return Principal(
            name=f"token:{row.id}",
            role=Role(row.role),
            home_tenant=row.tenant_id,
            tenants=(row.tenant_id,),
            active_tenant=row.tenant_id,
            via="token",
            token_id=row.id,
        )

    # --- audit ---------------------------------------------------------------------------

    def audit(self, scope: TenantScope, limit: int = PAGE, offset: int = 0) -> list[AuditLogRow]:
        """The audit log a manager may read: their company's, or all for a system admin."""
        return self.store.audit_entries(self._managed(scope), limit, offset)

    def record(
        self, scope: TenantScope, action: str, subject: str, before: object, after: object
    ) -> None:
        """Write one audit row for a change made elsewhere."""
        self.store.write_audit(
            [self._audit(scope.tenant_id, scope.actor, action, subject, before, after)]
        )

    def has_users(self) -> bool:
        """Whether anyone can log in yet."""
        return bool(self.store.users(None))


def _tenant_data(row: TenantRow) -> dict[str, object]:
    return {
        "name": row.name,
        "registration_no": row.registration_no,
        "kbli": row.kbli,
        "province": row.province,
        "size": row.size,
    }
