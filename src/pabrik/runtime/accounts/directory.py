"""The account directory: tenants, the people of each, and the audit log of changes to them."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from pabrik.model.errors import InvalidRequestError, NotFoundError
from pabrik.runtime.accounts.credentials import check_password_rules, hash_password
from pabrik.runtime.accounts.errors import ForbiddenError
from pabrik.runtime.accounts.names import checked_name, skeleton
from pabrik.runtime.accounts.permissions import COMPANY_ROLES, Role
from pabrik.runtime.accounts.tenancy import TenantScope
from pabrik.runtime.programme import reference
from pabrik.runtime.settings import Settings
from pabrik.storage.accounts import AccountStore, AuditLogRow, TenantRow, TokenRow, UserRow

Clock = Callable[[], datetime]
# Row types the delivery layers read through the runtime (they never import storage).
TenantRecord = TenantRow
UserRecord = UserRow
TokenRecord = TokenRow
AuditRecord = AuditLogRow

CLI_ACTOR = "cli"
PAGE = 200


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


class Directory:
    """Tenants and people over an account store, each change with its audit row."""

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
        name = checked_name(username)
        self._check_grant(scope, role, tenant_id)
        if tenant_id is not None:
            self.tenant(tenant_id)
        check_password_rules(password)
        self._check_free(name)
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

    def _check_free(self, name: str) -> None:
        """Refuse a name that is taken, or that looks like one that is."""
        look = skeleton(name)
        taken = self.store.user_by_name(name) is not None
        if taken or any(skeleton(u.username) == look for u in self.store.users(None)):
            raise InvalidRequestError("that user name is taken", reason="user_exists")

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
