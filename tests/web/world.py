"""Two companies on one instance: the site's owner ("own") and another ("other").

Every role has a person in each; assessors are assigned to one company each; each company has
a scored assessment with an attachment, and an API token.

``build_world`` makes them over any runtime (tests/web/conftest.py offers it as the ``world``
fixture). The ``world_*`` fixtures below are the instance the accounts and programme tests
run on: its own data, k-anonymity 5, the real clock, and the app built after the world. Their
folders' conftest.py files register them, so they replace settings, runtime, app and accounts
there.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from fastapi import FastAPI

from pabrik.runtime.accounts.access import build_accounts
from pabrik.runtime.accounts.permissions import Role
from pabrik.runtime.accounts.service import Accounts
from pabrik.runtime.app import Runtime, build_runtime
from pabrik.runtime.assess.service import Assessments, build_assessments
from pabrik.runtime.settings import Settings
from pabrik.web.app import create_app
from tests.assessment.answers import uniform
from tests.paths import DEMO
from tests.web.session import PASSWORD

OTHER = "pt-lain"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@dataclass
class World:
    """Ids of the objects each company owns, and the people who log in."""

    own: str
    other: str
    users: dict[tuple[str, str], str] = field(default_factory=dict)
    """(role, side) -> user name; side is 'own' or 'other'."""
    user_ids: dict[str, str] = field(default_factory=dict)
    assessments: dict[str, str] = field(default_factory=dict)
    attachments: dict[str, str] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    token_ids: dict[str, str] = field(default_factory=dict)
    spare_token_ids: dict[str, str] = field(default_factory=dict)


def _scored(base: Assessments, tenant: str, name: str) -> tuple[str, str]:
    svc = base.for_tenant(tenant, name, "setup", with_plant=False)
    row = svc.create("indi40", title=f"Asesmen {name}")
    model = svc.model_of(row)
    svc.save_answers(row.id, list(uniform(model, 2).values()))
    attachment = svc.attach(row.id, model.questions[0].id, "bukti.png", PNG)
    svc.submit(row.id)
    return row.id, attachment.id


def build_world(runtime: Runtime) -> World:
    """Both companies, their people, tokens and scored assessments, in the runtime's store."""
    accounts = build_accounts(runtime)
    own = accounts.site_tenant
    accounts.create_tenant(
        "setup",
        tenant_id=OTHER,
        name="PT Lain Sekali",
        registration_no="9120000000001",
        kbli="22220",
        province="Banten",
        size="small",
    )
    w = World(own=own, other=OTHER)
    for side, tenant in (("own", own), ("other", OTHER)):
        for role in Role:
            name = f"{role.value}-{side}"
            home = tenant if role in (Role.COMPANY_ADMIN, Role.ENGINEER, Role.OPERATOR) else None
            row = accounts.create_user(
                None, username=name, password=PASSWORD, role=role, tenant_id=home
            )
            w.users[(role.value, side)] = name
            w.user_ids[f"{role.value}-{side}"] = row.id
            if role is Role.ASSESSOR:
                accounts.assign("setup", row, tenant)
        made = accounts.create_token(
            None, label=f"line {side}", role=Role.ENGINEER, tenant_id=tenant
        )
        w.tokens[side] = made.secret
        w.token_ids[side] = made.record.id
        spare = accounts.create_token(
            None, label=f"spare {side}", role=Role.OPERATOR, tenant_id=tenant
        )
        w.spare_token_ids[side] = spare.record.id
    base = build_assessments(runtime)
    for side, tenant, name in (("own", own, "Plastindo"), ("other", OTHER, "PT Lain Sekali")):
        w.assessments[side], w.attachments[side] = _scored(base, tenant, name)
    return w


@pytest.fixture(name="settings", scope="module")
def world_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(config=DEMO, data_dir=tmp_path_factory.mktemp("accounts-data"), k_anonymity=5)


@pytest.fixture(name="runtime", scope="module")
def world_runtime(settings: Settings) -> Iterator[Runtime]:
    rt = build_runtime(settings)
    rt.backfill(days=1)
    yield rt
    rt.close()


@pytest.fixture(name="app", scope="module")
def world_app(settings: Settings, runtime: Runtime, world: World) -> FastAPI:
    return create_app(settings, runtime)


@pytest.fixture(name="accounts", scope="module")
def world_accounts(app: FastAPI) -> Accounts:
    service: Accounts = app.state.accounts
    return service
