"""The wizard's last step saves a configuration version that runs at once, without a restart."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from pabrik.runtime.accounts.permissions import Role
from pabrik.runtime.plant.siteconfig import parse_site
from tests.web.session import PASSWORD, logged_in
from tests.web.setup.instance import Instance, empty_instance
from tests.web.setup.steps import SITE, post, run_wizard

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def instance(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Instance]:
    with empty_instance(tmp_path_factory.mktemp("saves"), (Role.ENGINEER,)) as inst:
        yield inst


async def test_the_wizard_makes_a_site_with_one_line_of_two_machines(instance: Instance) -> None:
    app = instance.app()
    async with logged_in(app, instance.users[Role.ENGINEER], PASSWORD) as c:
        r = await run_wizard(c)
        assert r.status_code == 303, r.text[-2000:]
        assert r.headers["location"].endswith("/machines?saved=1")
        rt = instance.runtime
        assert rt.configured
        assert rt.config_version == 1
        lines = rt.plant.lines()
        assert [ln.id for ln in lines] == ["lini-kemas"]
        assert [m.id for m in lines[0].machines] == ["filler-1", "labeller-1"]
        filler = rt.plant.machine("filler-1")
        assert filler is not None
        assert [(s.id, s.unit) for s in filler.signals] == [("suhu", "°C"), ("tekanan", "bar")]
        labeller = rt.plant.machine("labeller-1")
        assert labeller is not None
        assert [(s.id, s.unit) for s in labeller.signals] == [("kecepatan", "m/menit")]
        assert filler.products[0].ideal_cycle_time_s == Decimal("0.5")
        assert filler.products[0].scrap_cost_idr == Decimal(1500)
        assert rt.plant.calendar.timezone == "Asia/Jakarta"
        assert rt.plant.calendar.holidays.country == "ID"
        assert rt.plant.costs.energy_per_kwh_idr == Decimal("1444.70")
        assert {r.id for r in rt.plant.downtime_reasons} == {"breakdown", "changeover", "break"}
        version = rt.configs.versions()[0]
        assert (version.saved_by, version.note) == (instance.users[Role.ENGINEER], "setup wizard")
        text = rt.configs.version(1).text
        assert parse_site(text).plant() == rt.plant

        page = await c.get("/machines?saved=1&lang=en")
        assert page.status_code == 200
        assert "Configuration saved as version 1 and running." in page.text
        assert 'data-machine="filler-1"' in page.text
        assert 'data-machine="labeller-1"' in page.text
        assert (await c.get("/")).status_code == 200
        done = await c.get("/setup")
        assert 'data-testid="setup-done"' in done.text
        again = await post(c, "site", "", SITE)
        assert again.status_code == 303
        assert rt.configs.head() == 1
