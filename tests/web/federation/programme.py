"""A programme server: a second pabrik instance served over real HTTP on a free port, with a
programme admin and an analyst (k = 2)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi import FastAPI

from pabrik.runtime.accounts.permissions import Role
from pabrik.runtime.accounts.service import Accounts
from pabrik.runtime.settings import Settings
from pabrik.web.app import create_app
from tests.paths import DEMO
from tests.web.browser import served
from tests.web.session import PASSWORD

ADMIN = "programme-boss"
ANALYST = "programme-analyst"


@dataclass
class Programme:
    """The programme instance: its app, base URL, and its people's names."""

    app: FastAPI
    url: str
    admin: str = ADMIN
    analyst: str = ANALYST

    @property
    def accounts(self) -> Accounts:
        """Its account use cases."""
        service: Accounts = self.app.state.accounts
        return service


def programme_app(settings: Settings) -> FastAPI:
    """A programme instance's app with its two people."""
    app = create_app(settings)
    accounts: Accounts = app.state.accounts
    for name, role in ((ADMIN, Role.PROGRAMME_ADMIN), (ANALYST, Role.ANALYST)):
        accounts.create_user(None, username=name, password=PASSWORD, role=role, tenant_id=None)
    return app


@pytest.fixture(scope="module")
def programme(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Programme]:
    """A programme server on SQLite, served by uvicorn in a thread."""
    data = tmp_path_factory.mktemp("programme-data")
    settings = Settings(config=DEMO, data_dir=data, k_anonymity=2)
    app = programme_app(settings)
    with served(app) as url:
        yield Programme(app, url)
