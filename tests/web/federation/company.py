"""The company side of the sharing tests: the site's own company and another one, each with a
submitted assessment, and only the people the tests log in as (argon2 makes people slow)."""

from __future__ import annotations

import pytest

from pabrik.runtime.accounts.access import build_accounts
from pabrik.runtime.accounts.permissions import Role
from pabrik.runtime.app import Runtime
from pabrik.runtime.assess.service import build_assessments
from tests.assessment.answers import uniform
from tests.web.session import PASSWORD
from tests.web.world import OTHER, World

PEOPLE = (
    ("company_admin", "own"),
    ("company_admin", "other"),
    ("engineer", "own"),
    ("operator", "own"),
    ("analyst", "own"),
)


def build_company(runtime: Runtime) -> World:
    """Both companies, the people of ``PEOPLE`` and one submitted assessment each."""
    accounts = build_accounts(runtime)
    own = accounts.site_tenant
    accounts.create_tenant(
        "setup", tenant_id=OTHER, name="PT Lain Sekali", registration_no="9120000000001",
        kbli="22220", province="Banten", size="small",
    )  # fmt: skip
    world = World(own=own, other=OTHER)
    tenants = {"own": own, "other": OTHER}
    for role, side in PEOPLE:
        name = f"{role}-{side}"
        home = tenants[side] if role != "analyst" else None
        accounts.create_user(
            None, username=name, password=PASSWORD, role=Role(role), tenant_id=home
        )
        world.users[(role, side)] = name
    base = build_assessments(runtime)
    for side, tenant in tenants.items():
        svc = base.for_tenant(tenant, tenant, "setup", with_plant=False)
        row = svc.create("indi40", title=f"Asesmen {side}")
        svc.save_answers(row.id, list(uniform(svc.model_of(row), 2).values()))
        svc.submit(row.id)
        world.assessments[side] = row.id
    return world


@pytest.fixture(scope="module")
def world(runtime: Runtime) -> World:
    """The two companies of the sharing tests."""
    return build_company(runtime)
