"""Connector pages over the demo plant: generated forms, roles, secrets, preview, browse, test."""

from __future__ import annotations

import logging
import re
import struct
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from pabrik.runtime.accounts.permissions import Role
from pabrik.runtime.accounts.service import Accounts
from pabrik.runtime.app import Runtime
from pabrik.runtime.connect import forms
from pabrik.runtime.connect.saving import current_site
from pabrik.runtime.connect.service import EDITABLE
from tests.connectors.modbus.server import device, modbus_server, server_port
from tests.connectors.opcua.server import opcua_server
from tests.connectors.peers import free_port
from tests.web.session import PASSWORD, logged_in, session_client

pytestmark = pytest.mark.anyio
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
async def engineer(app: FastAPI, accounts: Accounts) -> AsyncIterator[httpx.AsyncClient]:
    if accounts.store.user_by_name("eng-conn") is None:
        accounts.create_user(
            None, username="eng-conn", password=PASSWORD, role=Role.ENGINEER,
            tenant_id=accounts.site_tenant,
        )  # fmt: skip
    c = await session_client(app, "eng-conn", PASSWORD)
    try:
        yield c
    finally:
        await c.aclose()


def _names(html: str) -> set[str]:
    return set(re.findall(r'name="([^"]+)"', html))


def _expected(specs: tuple[forms.FormField, ...], prefix: str = "") -> set[str]:
    out: set[str] = set()
    for spec in specs:
        name = f"{prefix}{spec.key}"
        if spec.widget == "group":
            out |= _expected(spec.children, f"{name}.")
            if spec.optional:
                out.add(f"{name}.{forms.ON}")
        elif spec.widget == "table":
            out |= _expected(spec.children, f"{name}.0.")
        else:
            out.add(name)
    return out


async def _full_form(client: httpx.AsyncClient, kind: str) -> str:
    """The new-connector form with one row added to every table, nested ones too."""
    html = (await client.get(f"/connectors/new/{kind}")).text
    values = {"kind": kind}
    for _ in range(3):
        tables = re.findall(r'value="add:([^"]+)"', html)
        for table in tables:
            if f"{table}.0.__row" not in _names(html):
                values |= {f"{table}.0.__row": ""}
        r = await client.post(f"/connectors/form/{kind}", data={**values, "op": ""})
        html = r.text
    return html


@pytest.mark.parametrize("kind", sorted(EDITABLE))
async def test_the_page_has_an_input_for_every_field_of_the_model(
    engineer: httpx.AsyncClient, kind: str
) -> None:
    html = await _full_form(engineer, kind)
    missing = _expected(forms.fields_of(EDITABLE[kind])) - _names(html)
    assert not missing


async def test_only_admins_and_engineers_may_open_or_save_connectors(
    app: FastAPI, accounts: Accounts, engineer: httpx.AsyncClient
) -> None:
    if accounts.store.user_by_name("op-conn") is None:
        accounts.create_user(
            None, username="op-conn", password=PASSWORD, role=Role.OPERATOR,
            tenant_id=accounts.site_tenant,
        )  # fmt: skip
    assert (await engineer.get("/connectors")).status_code == 200
    async with logged_in(app, "op-conn", PASSWORD) as operator:
        assert (await operator.get("/connectors")).status_code == 403
        assert (await operator.get("/connectors/new/modbus")).status_code == 403
        r = await operator.post("/connectors/new/mqtt", data={"id": "x"})
        assert r.status_code == 403


async def test_a_password_is_never_shown_and_a_blank_one_keeps_the_saved_value(
    engineer: httpx.AsyncClient, runtime: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    data = {
        "kind": "mqtt", "id": "gateway", "broker.host": "127.0.0.1", "broker.port": "1883",
        "broker.username": "pabrik", "broker.password": "Rahasia-42!",
    }  # fmt: skip
    r = await engineer.post("/connectors/new/mqtt", data=data)
    assert r.status_code == 303, r.text
    page = (await engineer.get("/connectors/gateway")).text
    assert "Rahasia-42!" not in page
    assert 'name="broker.password" value=""' in page
    data["broker.password"] = ""
    data["broker.port"] = "1884"
    assert (await engineer.post("/connectors/gateway", data=data)).status_code == 303
    saved = next(c for c in current_site(runtime).connectors if c.id == "gateway")
    assert saved.broker.port == 1884  # type: ignore[union-attr]
    assert saved.broker.password.get_secret_value() == "Rahasia-42!"  # type: ignore[union-attr]
    latest = runtime.configs.versions()[0]
    assert latest.saved_by == "eng-conn"
    assert latest.note == "connector gateway changed in the browser"
    tested = await engineer.post("/partials/connectors/test/mqtt?id=gateway", data=data)
    assert 'data-ok="false"' in tested.text  # no broker on that port, and no password shown
    assert "Rahasia-42!" not in tested.text
    assert (await engineer.post("/connectors/gateway/delete", data={})).status_code == 303
    assert "Rahasia-42!" not in caplog.text


async def test_a_bad_field_is_named_with_its_yaml_path_and_nothing_is_saved(
    engineer: httpx.AsyncClient, runtime: Runtime
) -> None:
    before = current_site(runtime)
    data = {"kind": "opcua", "id": "x", "endpoint": "http://wrong", "signals.0.__row": ""}
    r = await engineer.post("/connectors/new/opcua", data=data)
    assert r.status_code == 422
    assert "<code>endpoint</code>" in r.text
    assert current_site(runtime) is before


def _modbus_form(port: int) -> dict[str, str]:
    return {
        "kind": "modbus", "id": "plc-uji", "devices.0.__row": "", "devices.0.id": "plc",
        "devices.0.host": "127.0.0.1", "devices.0.port": str(port),
        "devices.0.points.0.__row": "", "devices.0.points.0.machine": "imm-01",
        "devices.0.points.0.signal": "temperature", "devices.0.points.0.address": "0",
        "devices.0.points.0.type": "float32", "devices.0.points.0.word_order": "little",
        "devices.0.points.1.__row": "", "devices.0.points.1.machine": "imm-02",
        "devices.0.points.1.signal": "temperature", "devices.0.points.1.address": "2",
        "devices.0.points.1.type": "float32",
    }  # fmt: skip


async def test_the_modbus_preview_shows_raw_registers_beside_each_decoded_value(
    engineer: httpx.AsyncClient,
) -> None:
    hi, lo = struct.unpack(">2H", struct.pack(">f", 61.5))
    async with modbus_server(device(holding=[lo, hi, hi, lo, 0, 0, 0, 0, 0, 0])) as server:
        form = _modbus_form(server_port(server))
        r = await engineer.post("/partials/connectors/modbus/preview", data=form)
        assert r.status_code == 200
        rows = re.findall(r"<tr data-point=.*?</tr>", r.text, re.DOTALL)
        assert len(rows) == 2
        # Point 1 is stored low word first and read as such; point 2 the other way round.
        assert f"0x{lo:04X} 0x{hi:04X}" in rows[0]
        assert ">61.5<" in rows[0]
        assert f"0x{hi:04X} 0x{lo:04X}" in rows[1]
        assert ">61.5<" in rows[1]
        ok = await engineer.post("/partials/connectors/test/modbus", data=form)
        assert 'data-ok="true"' in ok.text
    dead = await engineer.post("/partials/connectors/test/modbus", data=_modbus_form(free_port()))
    assert 'data-ok="false"' in dead.text
    assert "✗" in dead.text


async def test_opcua_browse_expands_searches_and_maps_ticked_variables(
    engineer: httpx.AsyncClient,
) -> None:
    async with opcua_server() as peer:
        form = {"kind": "opcua", "id": "press", "endpoint": peer.url}
        # Nothing is mapped yet, so the test opens a session and looks under Objects.
        tested = await engineer.post("/partials/connectors/test/opcua", data=form)
        assert 'data-ok="true"' in tested.text, tested.text
        top = await engineer.post("/partials/connectors/opcua/browse", data=form)
        assert top.status_code == 200, top.text
        node = re.search(r'node=([^&"]+)&amp;path=([^"]+)"', top.text)
        assert node is not None
        level = await engineer.post(
            f"/partials/connectors/opcua/browse?node={node.group(1)}&path={node.group(2)}",
            data=form,
        )
        picks = re.findall(r'name="pick" value="([^"]+)"', level.text)
        assert picks, level.text
        found = await engineer.post("/partials/connectors/opcua/search", data={**form, "q": "temp"})
        hits = re.findall(r'name="pick" value="([^"]+)"', found.text)
        assert hits
        assert all("temp" in h.lower() for h in hits)
        mapped = await engineer.post(
            "/connectors/form/opcua",
            data={**form, "op": "map-nodes", "pick": hits[:2]},
        )
    names = _names(mapped.text)
    assert {"signals.0.node", "signals.1.node"} <= names
    assert "signals.2.node" not in names


@pytest.mark.parametrize(
    ("lang", "words"),
    [("id", ["Peta register", "Uji koneksi"]), ("en", ["Register map", "Test connection"]),
     ("ko", ["레지스터 맵", "연결 테스트"])],
)  # fmt: skip
async def test_the_form_speaks_the_users_language_with_no_key_left_showing(
    engineer: httpx.AsyncClient, lang: str, words: list[str]
) -> None:
    for kind in sorted(EDITABLE):
        html = (await engineer.get(f"/connectors/new/{kind}?lang={lang}")).text
        assert not re.findall(r">\s*conn\.[a-z_.]+", html)
        assert not re.findall(r'"conn\.[a-z_.]+"', html)
    modbus = (await engineer.get(f"/connectors/new/modbus?lang={lang}")).text
    assert all(w in modbus for w in words)
