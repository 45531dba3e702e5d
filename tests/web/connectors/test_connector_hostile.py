"""Hostile values in every field of every connector form: a 4xx or a form with problems, no 5xx."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from pabrik.runtime.accounts.permissions import Role
from pabrik.runtime.accounts.service import Accounts
from pabrik.runtime.connect import forms
from pabrik.runtime.connect.service import EDITABLE
from tests.web.session import PASSWORD, session_client

pytestmark = pytest.mark.anyio
HOSTILE = ("²", "9" * 4400, "1e309", "a\x00b", "[" * 10_000, "{{ 7*7 }}")
TOOLS = {
    "modbus": ["/partials/connectors/modbus/preview"],
    "opcua": ["/partials/connectors/opcua/browse", "/partials/connectors/opcua/search"],
}


def _names(specs: tuple[forms.FormField, ...], prefix: str = "") -> list[str]:
    out: list[str] = []
    for spec in specs:
        name = f"{prefix}{spec.key}"
        if spec.widget in ("group", "table"):
            inner = f"{name}.0." if spec.widget == "table" else f"{name}."
            out += [f"{name}.{forms.ON}", f"{name}.0.{forms.ROW}"]
            out += _names(spec.children, inner)
        else:
            out.append(name)
    return out


@pytest.fixture
async def engineer(app: FastAPI, accounts: Accounts) -> AsyncIterator[httpx.AsyncClient]:
    if accounts.store.user_by_name("eng-hostile") is None:
        accounts.create_user(
            None, username="eng-hostile", password=PASSWORD, role=Role.ENGINEER,
            tenant_id=accounts.site_tenant,
        )  # fmt: skip
    c = await session_client(app, "eng-hostile", PASSWORD)
    try:
        yield c
    finally:
        await c.aclose()


@pytest.mark.parametrize("kind", sorted(EDITABLE))
async def test_hostile_values_in_every_field_never_give_a_server_error(
    engineer: httpx.AsyncClient, kind: str
) -> None:
    names = _names(forms.fields_of(EDITABLE[kind]))
    urls = [
        f"/connectors/new/{kind}",
        f"/connectors/form/{kind}",
        f"/partials/connectors/test/{kind}",
        *TOOLS.get(kind, [f"/partials/connectors/{kind}/seen"]),
    ]
    errors = []
    for value in HOSTILE:
        data = {**dict.fromkeys(names, value), "kind": kind, "op": f"add:{value}", "q": value}
        data |= {"pick": value, "topic": value, "device": value}
        for url in urls:
            r = await engineer.post(url, data=data)
            if r.status_code >= 500:
                errors.append(f"{url} {value[:10]!r} -> {r.status_code}")
            if value == "{{ 7*7 }}" and url.startswith("/connectors/"):
                assert 'value="{{ 7*7 }}"' in r.text  # shown as typed, never evaluated
    assert not errors
