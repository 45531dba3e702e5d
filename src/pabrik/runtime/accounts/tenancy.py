"""Who is asking and which tenant's data they may read: the one place that scopes data."""

from __future__ import annotations

from dataclasses import dataclass

from pabrik.model.errors import NotFoundError
from pabrik.runtime.accounts.permissions import Role, load_permissions

DEFAULT_SITE_TENANT = "default"


@dataclass(frozen=True, slots=True)
class TenantScope:
    """The tenant a request reads and writes, the role it acts in and the actor's name.

    ``tenant_id`` is None for the programme analyst, who reads aggregates and no tenant.
    """

    tenant_id: str | None
    role: Role
    actor: str

    def require_tenant(self) -> str:
        """The tenant, or ``NotFoundError`` for a caller with none (nothing to see here)."""
        if self.tenant_id is None:
            raise NotFoundError("not found")
        return self.tenant_id


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated person (session) or integration (API token)."""

    name: str
    role: Role
    home_tenant: str | None
    tenants: tuple[str, ...]
    """Tenants whose data the principal may act for (all of them for a system admin)."""
    active_tenant: str | None
    via: str
    user_id: str | None = None
    session_hash: str | None = None
    csrf_token: str | None = None
    token_id: str | None = None

    def can(self, action: str) -> bool:
        """Whether the principal's role allows an action."""
        return load_permissions().allows(self.role, action)

    def scope(self) -> TenantScope:
        """The data scope of this request."""
        return TenantScope(self.active_tenant, self.role, self.name)


def plant_tenant(site_tenant: str | None) -> str:
    """The tenant that owns this instance's site (``default`` when the site names none)."""
    return site_tenant or DEFAULT_SITE_TENANT


def check_plant_access(scope: TenantScope, owner: str) -> None:
    """Machine data is the site owner's: any other tenant gets 'not found', not 'forbidden'."""
    if scope.tenant_id != owner:
        raise NotFoundError("not found")
