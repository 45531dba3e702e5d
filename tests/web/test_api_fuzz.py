"""schemathesis against the OpenAPI description, in process, with valid credentials.

Every operation gets generated requests as a company admin (token) and as a system admin;
none may answer 5xx. At least 1,000 requests run.
"""

from __future__ import annotations

from collections import Counter

import pytest
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, given, settings

from pabrik.runtime.accounts.permissions import Role
from pabrik.runtime.accounts.service import Accounts
from tests.web.world import World

pytestmark = pytest.mark.slow
schemathesis = pytest.importorskip("schemathesis")
EXAMPLES = 40
MIN_REQUESTS = 1000


def _token(accounts: Accounts, role: Role, tenant: str) -> str:
    return accounts.create_token(None, label=f"fuzz {role}", role=role, tenant_id=tenant).secret


def test_generated_requests_find_no_server_error(
    app: FastAPI, world: World, accounts: Accounts
) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    headers = [
        {"Authorization": f"Bearer {_token(accounts, Role.COMPANY_ADMIN, world.own)}"},
        {"Authorization": f"Bearer {_token(accounts, Role.ENGINEER, world.other)}"},
    ]
    statuses: Counter[int] = Counter()
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 30
    for operation in operations:

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def run(case: object) -> None:
            for header in headers:
                response = case.call(headers=header)  # type: ignore[attr-defined]
                statuses[response.status_code] += 1
                if response.status_code >= 500:
                    failures.append(
                        f"{case.method} {case.formatted_path} -> {response.status_code}"  # type: ignore[attr-defined]
                    )

        run()
    total = sum(statuses.values())
    print(f"schemathesis: {total} requests over {len(operations)} operations: {dict(statuses)}")
    assert not failures, sorted(set(failures))
    assert total >= MIN_REQUESTS
