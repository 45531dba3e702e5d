"""The connection test's result line is in the page's language (Indonesian and English)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from pabrik.runtime.accounts.permissions import Role
from pabrik.runtime.accounts.service import Accounts
from tests.connectors.modbus.server import device, modbus_server, server_port
from tests.connectors.opcua.server import opcua_server
from tests.connectors.peers import free_port
from tests.web.session import PASSWORD, session_client

pytestmark = pytest.mark.anyio


@pytest.fixture
async def engineer(app: FastAPI, accounts: Accounts) -> AsyncIterator[httpx.AsyncClient]:
    if accounts.store.user_by_name("eng-probe") is None:
        accounts.create_user(
            None, username="eng-probe", password=PASSWORD, role=Role.ENGINEER,
            tenant_id=accounts.site_tenant,
        )  # fmt: skip
    c = await session_client(app, "eng-probe", PASSWORD)
    try:
        yield c
    finally:
        await c.aclose()


def modbus(port: int) -> dict[str, str]:
    return {
        "kind": "modbus", "id": "plc-uji", "devices.0.__row": "", "devices.0.id": "plc",
        "devices.0.host": "127.0.0.1", "devices.0.port": str(port), "devices.0.timeout_s": "0.5",
        "devices.0.points.0.__row": "", "devices.0.points.0.machine": "imm-01",
        "devices.0.points.0.signal": "temperature", "devices.0.points.0.address": "0",
        "devices.0.points.0.type": "float32",
    }  # fmt: skip


async def test_a_modbus_test_reads_in_indonesian_and_in_english(
    engineer: httpx.AsyncClient,
) -> None:
    async with modbus_server(device()) as server:
        form = modbus(server_port(server))
        ok_id = await engineer.post("/partials/connectors/test/modbus?lang=id", data=form)
        ok_en = await engineer.post("/partials/connectors/test/modbus?lang=en", data=form)
    assert "✓ Berhasil: terbaca holding 0..1 dari unit 1" in ok_id.text
    assert "✓ Works: read holding 0..1 of unit 1" in ok_en.text
    port = free_port()
    dead_id = await engineer.post("/partials/connectors/test/modbus?lang=id", data=modbus(port))
    dead_en = await engineer.post("/partials/connectors/test/modbus?lang=en", data=modbus(port))
    assert f"✗ Gagal: tidak dapat terhubung ke 127.0.0.1:{port}" in dead_id.text
    assert f"cannot connect to 127.0.0.1:{port}" in dead_en.text


async def test_an_opcua_endpoint_test_reads_in_indonesian_and_in_english(
    engineer: httpx.AsyncClient,
) -> None:
    async with opcua_server() as peer:
        form = {"kind": "opcua", "id": "press", "endpoint": peer.url}
        in_id = await engineer.post("/partials/connectors/test/opcua?lang=id", data=form)
        in_en = await engineer.post("/partials/connectors/test/opcua?lang=en", data=form)
    assert f"terhubung ke {peer.url}: " in in_id.text
    assert " item di bawah Objects" in in_id.text
    assert f"connected to {peer.url}: " in in_en.text
    assert " item(s) under Objects" in in_en.text
