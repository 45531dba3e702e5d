"""An unconfigured pabrik (empty data folder, no site file) with a person of each plant role."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI

from pabrik.runtime.accounts.access import build_accounts
from pabrik.runtime.accounts.permissions import Role
from pabrik.runtime.app import Runtime, build_runtime
from pabrik.runtime.settings import Settings
from pabrik.web.app import create_app
from tests.web.session import PASSWORD

SITE_ROLES = (Role.COMPANY_ADMIN, Role.ENGINEER, Role.OPERATOR)
OTHER_ROLES = (Role.ASSESSOR, Role.ANALYST, Role.PROGRAMME_ADMIN)


@dataclass(frozen=True)
class Instance:
    """A fresh, unconfigured instance: its settings, runtime and people by role."""

    settings: Settings
    runtime: Runtime
    users: dict[Role, str]

    def app(self, *, live: bool = False) -> FastAPI:
        """The web app over this instance's runtime."""
        return create_app(self.settings, self.runtime, live=live)


@contextmanager
def empty_instance(
    data_dir: Path, roles: tuple[Role, ...] = (*SITE_ROLES, *OTHER_ROLES)
) -> Iterator[Instance]:
    """A pabrik over an empty data folder with no site file and a person per role, closed after."""
    # No site file: the store is empty too, so the runtime waits for the wizard.
    settings = Settings(config=None, data_dir=data_dir, view_cache_s=0)
    runtime = build_runtime(settings)
    assert not runtime.configured
    accounts = build_accounts(runtime)
    users: dict[Role, str] = {}
    for role in roles:
        name = f"{role.value.replace('_', '-')}-1"
        tenant = accounts.site_tenant if role in SITE_ROLES else None
        accounts.create_user(None, username=name, password=PASSWORD, role=role, tenant_id=tenant)
        users[role] = name
    try:
        yield Instance(settings, runtime, users)
    finally:
        runtime.close()
