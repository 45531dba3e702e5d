"""The configuration history page: versions with their changes, secrets masked, and restore."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pabrik.runtime.accounts.permissions import Role
from pabrik.runtime.plant.configstore import SiteConfigs
from tests.runtime.plant.configsites import SECRET_MQTT, renamed, site
from tests.web.session import PASSWORD, logged_in
from tests.web.setup.instance import Instance, empty_instance

pytestmark = pytest.mark.anyio


@pytest.fixture
def instance(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Instance]:
    roles = (Role.ENGINEER, Role.OPERATOR)
    with empty_instance(tmp_path_factory.mktemp("history"), roles) as inst:
        yield inst


async def test_the_engineer_reads_the_history_and_restores_a_version(instance: Instance) -> None:
    configs: SiteConfigs = instance.runtime.configs
    first = site(SECRET_MQTT)
    configs.save(first, "ani", "awal")
    configs.save(renamed(first, "Pabrik Baru"), "budi", "ganti nama")
    app = instance.app()
    async with logged_in(app, instance.users[Role.ENGINEER], PASSWORD) as client:
        page = await client.get("/config/versions")
        assert page.status_code == 200
        assert 'data-version="2"' in page.text
        assert "ganti nama" in page.text
        assert "-  name: Pabrik Uji\n+  name: Pabrik Baru" in page.text
        # The first version's change is the whole file, with the broker password masked.
        assert "rahasia" not in page.text
        assert "password: **redacted**" in page.text
        restored = await client.post("/config/versions/1/restore")
        assert restored.status_code == 303
        assert restored.headers["location"].endswith("/config/versions?restored=3")
    assert configs.version(3).text == configs.version(1).text
    assert instance.runtime.config_version == 3
    assert instance.runtime.site.site.name == "Pabrik Uji"


async def test_an_operator_may_not_see_or_restore_versions(instance: Instance) -> None:
    instance.runtime.configs.save(site(), "ani", "awal")
    async with logged_in(instance.app(), instance.users[Role.OPERATOR], PASSWORD) as client:
        assert (await client.get("/config/versions")).status_code == 403
        assert (await client.post("/config/versions/1/restore")).status_code == 403
    assert instance.runtime.configs.head() == 1
