"""The request-body limit: refused while read, never read for anonymous callers, in words."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from pabrik.runtime.settings import Settings
from pabrik.web.limits import MEGABYTE, is_upload
from tests.paths import DEMO

pytestmark = pytest.mark.anyio

CHUNK = 64 * 1024


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A small limit (1 MB, uploads 2 MB), so the tests send little."""
    data = tmp_path_factory.mktemp("pabrik-limits")
    return Settings(config=DEMO, data_dir=data, body_limit_mb=1, upload_limit_mb=2)


class Counted:
    """A streaming body of ``total`` bytes that counts what the server pulled."""

    def __init__(self, total: int, fill: bytes = b"a") -> None:
        self.total = total
        self.fill = fill
        self.sent = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while self.sent < self.total:
            size = min(CHUNK, self.total - self.sent)
            self.sent += size
            yield self.fill * size


async def test_an_anonymous_large_post_is_refused_without_reading_its_body(
    anon: httpx.AsyncClient,
) -> None:
    body = Counted(150 * MEGABYTE)
    headers = {"content-type": "application/json"}
    r = await anon.post("/api/v1/users", content=body, headers=headers)
    assert r.status_code in {401, 403, 413}
    assert body.sent <= MEGABYTE


async def test_an_anonymous_large_form_post_is_refused_without_reading_its_body(
    anon: httpx.AsyncClient,
) -> None:
    body = Counted(150 * MEGABYTE)
    headers = {"content-type": "application/x-www-form-urlencoded"}
    r = await anon.post("/admin/users", content=body, headers=headers)
    assert r.status_code in {401, 403, 413}
    assert body.sent <= MEGABYTE


async def test_a_body_without_length_is_refused_once_it_passes_the_limit(
    client: httpx.AsyncClient,
) -> None:
    body = Counted(20 * MEGABYTE)
    headers = {"content-type": "application/json"}
    r = await client.post("/api/v1/tenants?lang=en", content=body, headers=headers)
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "payload_too_large"
    assert r.json()["error"]["message"] == "The request body is too large"
    assert body.sent <= MEGABYTE + CHUNK


async def test_a_declared_length_over_the_limit_is_refused_before_reading(
    client: httpx.AsyncClient,
) -> None:
    body = Counted(2 * MEGABYTE)
    headers = {"content-type": "application/json", "content-length": str(2 * MEGABYTE)}
    r = await client.post("/api/v1/tenants", content=body, headers=headers)
    assert r.status_code == 413
    assert r.json()["error"]["message"] == "Isi permintaan terlalu besar"
    assert body.sent == 0


async def test_a_large_form_is_refused_on_a_page_in_the_users_language(
    client: httpx.AsyncClient,
) -> None:
    body = Counted(3 * MEGABYTE)
    headers = {"content-type": "application/x-www-form-urlencoded"}
    r = await client.post("/admin/tenants?lang=en", content=body, headers=headers)
    assert r.status_code == 413
    assert "text/html" in r.headers["content-type"]
    assert "The request body is too large" in r.text


async def test_deeply_nested_json_is_a_client_error(client: httpx.AsyncClient) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    headers = {"content-type": "application/json"}
    for path in ("/api/v1/tenants", "/api/v1/users", "/api/v1/assessments"):
        r = await client.post(path, content=deep, headers=headers)
        assert 400 <= r.status_code < 500, (path, r.status_code)
        assert r.json()["error"]["code"] in {"bad_request", "invalid_request"}


def test_only_the_upload_routes_take_the_larger_body() -> None:
    assert is_upload("POST", "/assess/abc/step/2")
    assert is_upload("POST", "/programme/import")
    assert is_upload("POST", "/api/v1/programme/import")
    assert not is_upload("GET", "/programme/import")
    assert not is_upload("POST", "/api/v1/tenants")
    assert not is_upload("POST", "/assess/abc/step/2/extra")
