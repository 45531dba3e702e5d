"""Scoped access to the runtime's data: the web asks here, never filters by tenant itself."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from pabrik.model.errors import StoreUnavailableError
from pabrik.runtime.accounts.credentials import new_secret
from pabrik.runtime.accounts.permissions import Role
from pabrik.runtime.accounts.service import Accounts
from pabrik.runtime.accounts.tenancy import TenantScope, check_plant_access, plant_tenant
from pabrik.runtime.assess.service import Assessments

if TYPE_CHECKING:
    from pabrik.runtime.app import Runtime

log = logging.getLogger(__name__)


def build_accounts(runtime: Runtime) -> Accounts:
    """The account use cases, with the site's owner created as a tenant when missing."""
    site = runtime.plant.site
    owner = plant_tenant(site.tenant)
    accounts = Accounts(runtime.store, runtime.settings, runtime.clock, owner)
    accounts.pending_site_tenant = (owner, site.company or site.name, site.province)
    try:
        accounts.ensure_site_tenant()
    except StoreUnavailableError:
        # The database may still be starting: the first login or new user makes the row.
        log.warning("site tenant %s not created yet: the database is not reachable", owner)
    return accounts


def plant_for(runtime: Runtime, scope: TenantScope) -> Runtime:
    """The runtime for a caller of the tenant that owns the site; 'not found' for any other."""
    check_plant_access(scope, plant_tenant(runtime.plant.site.tenant))
    return runtime


def assessments_for(base: Assessments, accounts: Accounts, scope: TenantScope) -> Assessments:
    """The assessment use cases of the caller's tenant, acting as the caller."""
    tenant = accounts.tenant(scope.require_tenant())
    return base.for_tenant(
        tenant.id, tenant.name, scope.actor, with_plant=tenant.id == accounts.site_tenant
    )


DEMO_ADMIN = "admin"


def bootstrap_admin(accounts: Accounts) -> tuple[str, str] | None:
    """On first start, a system admin with a random password (returned to print once)."""
    if accounts.has_users():
        return None
    password = new_secret()[:20]
    accounts.create_user(
        None,
        username=DEMO_ADMIN,
        password=password,
        role=Role.SYSTEM_ADMIN,
        tenant_id=None,
        display_name="Administrator",
    )
    return DEMO_ADMIN, password
