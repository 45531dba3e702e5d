"""Two engineers edit connectors at once: the later save is refused and shows what changed."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from pabrik.runtime.accounts.permissions import Role
from pabrik.runtime.accounts.service import Accounts
from pabrik.runtime.app import Runtime
from pabrik.runtime.connect.saving import current_site
from tests.web.session import PASSWORD, session_client

pytestmark = pytest.mark.anyio
BASE = re.compile(r'name="base" value="(\d+)"')


async def _engineer(app: FastAPI, accounts: Accounts, name: str) -> httpx.AsyncClient:
    if accounts.store.user_by_name(name) is None:
        accounts.create_user(
            None, username=name, password=PASSWORD, role=Role.ENGINEER,
            tenant_id=accounts.site_tenant,
        )  # fmt: skip
    return await session_client(app, name, PASSWORD)


@pytest.fixture
async def ani(app: FastAPI, accounts: Accounts) -> AsyncIterator[httpx.AsyncClient]:
    c = await _engineer(app, accounts, "ani-conflict")
    try:
        yield c
    finally:
        await c.aclose()


@pytest.fixture
async def budi(app: FastAPI, accounts: Accounts) -> AsyncIterator[httpx.AsyncClient]:
    c = await _engineer(app, accounts, "budi-conflict")
    try:
        yield c
    finally:
        await c.aclose()


def _base(html: str) -> str:
    match = BASE.search(html)
    assert match is not None, "the form carries the version it was loaded from"
    return match.group(1)


def mqtt(connector_id: str, base: str, password: str = "") -> dict[str, str]:
    return {
        "kind": "mqtt", "id": connector_id, "broker.host": "127.0.0.1", "broker.port": "1883",
        "broker.username": "pabrik", "broker.password": password, "base": base,
    }  # fmt: skip


async def test_a_save_from_a_form_opened_before_another_save_is_refused_with_the_changes(
    ani: httpx.AsyncClient, budi: httpx.AsyncClient, runtime: Runtime
) -> None:
    base_ani = _base((await ani.get("/connectors/new/mqtt")).text)
    base_budi = _base((await budi.get("/connectors/new/mqtt")).text)
    assert base_ani == base_budi == str(runtime.config_version)

    saved = await ani.post("/connectors/new/mqtt", data=mqtt("gw-ani", base_ani, "Rahasia-77!"))
    assert saved.status_code == 303, saved.text
    head = runtime.configs.head()

    # Budi's form still names the old version: his save is refused, nothing is stored.
    refused = await budi.post("/connectors/new/mqtt?lang=id", data=mqtt("gw-budi", base_budi))
    assert refused.status_code == 409
    assert "Perubahan Anda tidak disimpan" in refused.text
    assert f"dibuka dari versi {base_budi}" in refused.text
    assert f"sampai versi {head}" in refused.text
    assert "+    id: gw-ani" in refused.text
    assert "Rahasia-77!" not in refused.text
    assert "**redacted**" in refused.text
    assert 'href="/connectors/new/mqtt"' in refused.text
    assert runtime.configs.head() == head
    assert "gw-budi" not in {c.id for c in current_site(runtime).connectors}

    english = await budi.post("/connectors/new/mqtt?lang=en", data=mqtt("gw-budi", base_budi))
    assert english.status_code == 409
    assert "Your change was not saved" in english.text
    assert f"opened from version {base_budi}" in english.text
    assert "Reload the form" in english.text

    # Reloading gives the current version; the same save then goes through.
    fresh = _base((await budi.get("/connectors/new/mqtt")).text)
    assert fresh == str(head)
    again = await budi.post("/connectors/new/mqtt", data=mqtt("gw-budi", fresh))
    assert again.status_code == 303


async def test_form_steps_keep_the_loaded_version_and_a_stale_delete_is_refused(
    ani: httpx.AsyncClient, budi: httpx.AsyncClient, runtime: Runtime
) -> None:
    base = _base((await ani.get("/connectors/new/mqtt")).text)
    created = await ani.post("/connectors/new/mqtt", data=mqtt("gw-kept", base))
    assert created.status_code == 303
    page = (await budi.get("/connectors/gw-kept")).text
    stale = _base(page)
    step = await budi.post(
        "/connectors/form/mqtt?id=gw-kept", data={**mqtt("gw-kept", stale), "op": "add:topic_map"}
    )
    assert _base(step.text) == stale
    edit = {**mqtt("gw-kept", stale), "broker.port": "1884"}
    changed = await ani.post("/connectors/gw-kept", data=edit)
    assert changed.status_code == 303  # Ani saved from the same version first
    deleted = await budi.post("/connectors/gw-kept/delete", data={"base": stale})
    assert deleted.status_code == 409
    assert "gw-kept" in {c.id for c in current_site(runtime).connectors}
