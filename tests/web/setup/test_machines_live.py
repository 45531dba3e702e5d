"""The machines page follows a real Modbus connector added after the wizard: its state from the
runtime, the last data, the rate and the quality mix, without a restart."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from pabrik.model.states import Quality
from pabrik.runtime.accounts.permissions import Role
from pabrik.runtime.health.machines import machine_health
from pabrik.runtime.plant.siteconfig import SiteConfig
from tests.connectors.modbus.server import device, modbus_server, server_port
from tests.web.session import PASSWORD, logged_in
from tests.web.setup.instance import Instance, empty_instance
from tests.web.setup.steps import run_wizard

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def instance(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Instance]:
    with empty_instance(tmp_path_factory.mktemp("live"), (Role.ENGINEER, Role.OPERATOR)) as inst:
        yield inst


def with_modbus(site: SiteConfig, port: int) -> SiteConfig:
    """The site plus a Modbus connector reading filler-1's temperature from register 0."""
    point = {"machine": "filler-1", "signal": "suhu", "address": 0, "scale": 0.1}
    connector = {
        "kind": "modbus",
        "id": "plc-1",
        "devices": [
            {
                "id": "d1",
                "host": "127.0.0.1",
                "port": port,
                "poll_interval_s": 0.05,
                "points": [point],
            }
        ],
    }
    data = site.model_dump(mode="json", exclude={"connectors"})
    return SiteConfig.model_validate({**data, "connectors": [connector]})


async def test_a_modbus_connector_shows_running_with_fresh_good_data(instance: Instance) -> None:
    app = instance.app()
    rt = instance.runtime
    async with logged_in(app, instance.users[Role.ENGINEER], PASSWORD) as c:
        assert (await run_wizard(c)).status_code == 303
        async with modbus_server(device(holding=[215] + [0] * 9)) as server:
            await rt.start()
            try:
                rt.save_config(with_modbus(rt.site, server_port(server)), "engineer-1", "plc")
                await rt.reload_config()
                for _ in range(200):
                    rows = {r.machine.id: r for r in machine_health(rt)}
                    filler = rows["filler-1"]
                    status = filler.sources[0].status if filler.sources else None
                    if status and status.state == "running" and filler.last_data:
                        break
                    await asyncio.sleep(0.05)
                assert [s.id for s in filler.sources] == ["plc-1"]
                assert status is not None
                assert status.state == "running"
                assert filler.last_data is not None
                assert filler.share(Quality.GOOD) == 1.0
                assert filler.per_minute > 0
                assert rows["labeller-1"].sources == ()
                assert rows["labeller-1"].last_data is None
                # A refused input that names filler-1 counts against it for the hour.
                rt.ingestor.offer_payload(
                    '{"ts": "gestern"}', kind="state", source="test", machine_id="filler-1"
                )
                rt.ingestor.flush()
                assert {r.machine.id: r.dead_letters for r in machine_health(rt)} == {
                    "filler-1": 1,
                    "labeller-1": 0,
                }
                page = await c.get("/machines?lang=en")
                assert page.status_code == 200
                assert 'href="/connectors/plc-1"' in page.text
                assert 'href="/machines/filler-1"' in page.text
                assert ">running<" in page.text
                partial = await c.get("/partials/machines?lang=en")
                assert 'data-machine="labeller-1"' in partial.text
                assert "<html" not in partial.text
                async with logged_in(app, instance.users[Role.OPERATOR], PASSWORD) as op:
                    seen = await op.get("/machines?lang=id")
                    assert seen.status_code == 200
                    assert "berjalan" in seen.text
                    assert 'href="/connectors' not in seen.text
            finally:
                await rt.stop()
