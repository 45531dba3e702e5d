"""The machines page on the demo plant: each machine's source, last data, rate, quality mix,
dead letters in the last hour and links to its signals and its mapping."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from pabrik.connectors.modbus.config import ModbusConfig
from pabrik.model.states import Quality
from pabrik.runtime.app import Runtime
from pabrik.runtime.health.machines import connectors_of, machine_health
from pabrik.runtime.plant.siteconfig import SiteConfig
from tests.web.session import PASSWORD, logged_in
from tests.web.world import World

pytestmark = pytest.mark.anyio


def test_every_machine_has_its_health_from_one_definition(runtime: Runtime) -> None:
    rows = machine_health(runtime)
    assert [r.machine.id for r in rows] == [m.id for m in runtime.plant.machines()]
    imm = rows[0]
    assert imm.machine.id == "imm-01"
    assert imm.last_data is not None
    assert imm.last_data <= runtime.now()
    assert imm.per_minute > 0
    assert imm.quality.get(Quality.GOOD, 0) > 0
    assert imm.share(Quality.GOOD) is not None
    # The hostile payload of the fixture was refused for imm-01 at the fixture's clock.
    assert imm.dead_letters >= 1
    assert [s.id for s in imm.sources] == ["sim"]
    assert "sim" in imm.seen_sources


def test_a_connector_feeds_the_machines_its_mapping_names(runtime: Runtime) -> None:
    modbus = ModbusConfig.model_validate(
        {
            "id": "plc-1",
            "devices": [
                {
                    "id": "d1",
                    "host": "127.0.0.1",
                    "points": [{"machine": "imm-02", "signal": "temperature", "address": 0}],
                }
            ],
        }
    )
    site = SiteConfig.model_validate(
        {**runtime.site.model_dump(exclude={"connectors"}), "connectors": [modbus.model_dump()]}
    )
    assert connectors_of(site, "imm-02") == [modbus]
    assert connectors_of(site, "filler-01") == []
    assert connectors_of(site, "imm-01") == []


async def test_the_machines_page_lists_every_machine_with_its_links(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    r = await client.get("/machines?lang=en")
    assert r.status_code == 200
    for machine in runtime.plant.machines():
        assert f'data-machine="{machine.id}"' in r.text
        assert f'href="/machines/{machine.id}"' in r.text
    assert "Records per minute" in r.text
    assert 'href="/connectors"' in r.text
    partial = await client.get("/partials/machines?lang=en")
    assert partial.status_code == 200
    assert 'data-machine="imm-01"' in partial.text
    assert "<html" not in partial.text


async def test_an_operator_sees_the_health_but_no_mapping_links(app: FastAPI, world: World) -> None:
    async with logged_in(app, world.users[("operator", "own")], PASSWORD) as c:
        r = await c.get("/machines?lang=id")
        assert r.status_code == 200
        assert 'data-machine="imm-01"' in r.text
        assert 'href="/connectors' not in r.text
    async with logged_in(app, world.users[("engineer", "other")], PASSWORD) as c:
        assert (await c.get("/machines")).status_code == 404
