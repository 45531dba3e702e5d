"""Every route, every parameter, hostile values: a 4xx in the user's language, never a 5xx.

The routes come from ``app.routes`` (as in tests/web/accounts/test_isolation_matrix.py), so a
new route is swept the day it is added. The caller is a system admin, who may reach them all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts

from pabrik.runtime.accounts.service import Accounts
from pabrik.runtime.app import Runtime
from pabrik.runtime.assess.service import build_assessments
from tests.assessment.answers import uniform

pytestmark = pytest.mark.anyio

PARAM = re.compile(r"{([^}:]+)(?::[^}]+)?}")
HOSTILE = (
    "abc",
    "²",
    "9" * 5000,
    "-1",
    "1e309",
    "2025-13-45",
    "a\x00b",
    "x" * 100_000,
    "[" * 10_000,
)
# Form fields the pages read themselves (beside the declared ones), and the actions they take
# (tried on the pages that read their own form).
FORM_FIELDS = ("score", "version", "note", "question", "reason", "size", "budget", "label")
ACTIONS = ("adjust", "rescore", "note", "start", "save", "next", "disable", "reset")
# httpx refuses URLs over 64 KB: path values are cut to this, query values to three times it.
URL_PART = 6000
SKIP = {("POST", "/logout")}


@dataclass(frozen=True)
class Swept:
    """One route and method, with the names of its declared query and form parameters."""

    method: str
    path: str
    query: tuple[str, ...]
    form: tuple[str, ...]
    json: bool


def swept_routes(app: FastAPI) -> list[Swept]:
    """Every API route of the app with its parameters."""
    found = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if not isinstance(route, APIRoute):
            continue
        path = context.path_format or route.path
        query = tuple(p.alias for p in route.dependant.query_params)
        body = tuple(p.alias for p in route.dependant.body_params)
        methods = [m for m in sorted(route.methods or ()) if m != "HEAD"]
        found += [
            Swept(m, path, query, body, path.startswith("/api/"))
            for m in methods
            if (m, path) not in SKIP
        ]
    return found


@pytest.fixture(scope="module")
def ids(runtime: Runtime, accounts: Accounts) -> dict[str, str]:
    """Path values naming real objects, so the sweep reaches each route's own checks."""
    svc = build_assessments(runtime).for_tenant(
        accounts.site_tenant, "Plastindo", "setup", with_plant=True
    )
    row = svc.create("indi40", title="Asesmen uji")
    model = svc.model_of(row)
    svc.save_answers(row.id, list(uniform(model, 2).values()))
    svc.submit(row.id)
    return {"assessment_id": row.id, "machine_id": "imm-01", "step": "1", "fmt_name": "json"}


def _url(route: Swept, values: dict[str, str], hostile: str | None = None, at: str = "") -> str:
    def fill(m: re.Match[str]) -> str:
        name = m.group(1)
        if name == at and hostile is not None:
            return quote(hostile[:URL_PART], safe="")
        return values.get(name, "zz")

    return PARAM.sub(fill, route.path)


async def _send(
    client: httpx.AsyncClient, route: Swept, url: str, value: str, query: dict[str, str]
) -> list[httpx.Response]:
    if route.method in {"GET", "DELETE"}:
        return [await client.request(route.method, url, params=query)]
    if route.json:
        fields = dict.fromkeys(route.form, value)
        deep = {"content": "[" * 100_000, "headers": {"content-type": "application/json"}}
        return [
            await client.request(route.method, url, params=query, json=fields),
            await client.request(route.method, url, params=query, **deep),  # type: ignore[arg-type]
        ]
    fields = dict.fromkeys((*route.form, *FORM_FIELDS), value)
    extra = {"target.F1": value, "priority.quality": value, "cost.energy": value}
    return [
        await client.request(route.method, url, params=query, data=fields | extra | {"action": a})
        for a in ((value, *ACTIONS) if not route.form else (value,))
    ]


def _tries(route: Swept, ids: dict[str, str], value: str) -> list[tuple[str, dict[str, str]]]:
    """(url, query) pairs: the value in each query parameter, then in each path parameter."""
    cut = value[: URL_PART * 3]
    tries = [(_url(route, ids), {q: cut} if q else {}) for q in route.query or ("",)]
    return tries + [(_url(route, ids, value, p), {}) for p in PARAM.findall(route.path)]


async def _server_errors(
    client: httpx.AsyncClient, route: Swept, ids: dict[str, str], value: str
) -> list[str]:
    found = []
    for url, query in _tries(route, ids, value):
        where = f"{route.method} {route.path} {value[:12]!r}"
        try:
            answers = await _send(client, route, url, value, query)
        except Exception as err:  # noqa: BLE001 - the app raised: its caller would get a 500
            found.append(f"{where} -> {err!r:.80}")
            continue
        found += [f"{where} -> {r.status_code}" for r in answers if r.status_code >= 500]
    return found


async def test_no_hostile_value_gives_a_server_error(
    app: FastAPI, client: httpx.AsyncClient, ids: dict[str, str]
) -> None:
    failures = []
    for route in swept_routes(app):
        for value in HOSTILE:
            failures += await _server_errors(client, route, ids, value)
    assert not failures, "\n".join(sorted(set(failures)))


@pytest.mark.parametrize("budget", ["²", "9" * 5000, "abc"])
async def test_a_hostile_budget_is_refused_in_the_users_language(
    client: httpx.AsyncClient, ids: dict[str, str], budget: str
) -> None:
    url = f"/assess/{ids['assessment_id']}/roadmap"
    r = await client.get(url, params={"budget": budget, "lang": "en"})
    assert r.status_code == 422
    assert "budget" in r.text.lower()


async def test_a_superscript_target_is_refused_not_a_server_error(
    client: httpx.AsyncClient, ids: dict[str, str]
) -> None:
    url = f"/assess/{ids['assessment_id']}/targets"
    r = await client.post(url, data={"target.F1": "²"})
    assert r.status_code == 422
