"""User names: NFKC, a safe ASCII set, and no name that looks like another."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pabrik.model.errors import InvalidRequestError
from pabrik.runtime.accounts.names import skeleton
from pabrik.runtime.accounts.permissions import Role
from pabrik.runtime.accounts.service import Accounts
from pabrik.runtime.settings import Settings
from pabrik.storage.sqlite.store import SqliteStore

PASSWORD = "correct horse battery staple"
NOW = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Accounts]:
    store = SqliteStore(tmp_path / "a.sqlite")
    store.upgrade()
    accounts = Accounts(store, Settings(), lambda: NOW, "acme")
    accounts.ensure_tenant("acme", "PT Acme")
    accounts.create_user(
        None, username="admin", password=PASSWORD, role=Role.SYSTEM_ADMIN, tenant_id=None
    )
    yield accounts
    store.close()


def _create(service: Accounts, name: str) -> str:
    row = service.create_user(
        None, username=name, password=PASSWORD, role=Role.OPERATOR, tenant_id="acme"
    )
    return row.username


@pytest.mark.parametrize(
    "name",
    ["<b>x</b>", "a\u200bb", "budi santoso", "bu\x00di", "o'neil", "x" * 65, "", "bügi"],
)
def test_markup_spaces_zero_width_and_non_ascii_names_are_refused(
    service: Accounts, name: str
) -> None:
    with pytest.raises(InvalidRequestError) as err:
        _create(service, name)
    assert err.value.details["reason"] == "bad_username"


@pytest.mark.parametrize("name", ["\u0430dmin", "Admin", "ADMIN", "adm1n", "\u0430dm\u0456n"])
def test_a_name_confusable_with_an_existing_one_is_refused(service: Accounts, name: str) -> None:
    with pytest.raises(InvalidRequestError) as err:
        _create(service, name)
    assert err.value.details["reason"] in {"user_exists", "bad_username"}


def test_a_cyrillic_lookalike_has_the_latin_skeleton() -> None:
    assert skeleton("\u0430dmin") == skeleton("admin") == skeleton("ADM1N")


def test_names_are_nfkc_normalised_and_log_in_in_any_width(service: Accounts) -> None:
    assert _create(service, "\uff42\uff55\uff44\uff49.op-1") == "budi.op-1"
    assert service.login("\uff42\uff55\uff44\uff49.op-1", PASSWORD, "10.0.0.1")


def test_ordinary_names_are_kept_as_typed(service: Accounts) -> None:
    assert _create(service, "Budi_Santoso.2") == "Budi_Santoso.2"
