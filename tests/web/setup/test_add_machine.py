"""Adding a machine to a configured site in the browser's form: a new version, nothing else lost."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from pabrik.runtime.accounts.permissions import Role
from tests.web.session import PASSWORD, logged_in
from tests.web.setup.instance import Instance, empty_instance
from tests.web.setup.steps import run_wizard

pytestmark = pytest.mark.anyio
CAPPER = {
    "line": "lini-kemas",
    "name": "Mesin Tutup",
    "code": "capper-1",
    "signals": "torsi: Nm",
    "product_name": "Tutup 28 mm",
    "cycle_s": "0,4",
}


@pytest.fixture(scope="module")
def instance(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Instance]:
    roles = (Role.ENGINEER, Role.OPERATOR)
    with empty_instance(tmp_path_factory.mktemp("add"), roles) as inst:
        yield inst


async def test_an_engineer_adds_machines_to_a_line_and_to_a_new_area(instance: Instance) -> None:
    app = instance.app()
    rt = instance.runtime
    async with logged_in(app, instance.users[Role.ENGINEER], PASSWORD) as c:
        before = await c.get("/setup/machine")
        assert before.status_code == 303
        assert before.headers["location"].endswith("/setup")
        assert (await run_wizard(c)).status_code == 303
        form = await c.get("/setup/machine?lang=en")
        assert form.status_code == 200
        option = '<option value="lini-kemas" selected>Hall Produksi / Lini Kemas</option>'
        assert option in form.text

        twin = await c.post("/setup/machine?lang=en", data={**CAPPER, "code": "filler-1"})
        assert twin.status_code == 422
        assert "&#39;filler-1&#39; is used already" in twin.text
        bad = await c.post("/setup/machine?lang=id", data={**CAPPER, "cycle_s": "-1"})
        assert bad.status_code == 422
        assert "Harus lebih dari 0" in bad.text
        assert rt.configs.head() == 1

        r = await c.post("/setup/machine", data=CAPPER)
        assert r.status_code == 303
        assert r.headers["location"].endswith("/machines?saved=2")
        line = rt.plant.lines()[0]
        assert [m.id for m in line.machines] == ["filler-1", "labeller-1", "capper-1"]
        capper = rt.plant.machine("capper-1")
        assert capper is not None
        assert [(s.id, s.unit) for s in capper.signals] == [("torsi", "Nm")]
        assert capper.products[0].id == "tutup-28-mm"
        assert set(capper.reasons) == {r.id for r in rt.plant.downtime_reasons}
        assert rt.configs.versions()[0].note == "machine capper-1 added"

        new_area = {
            **CAPPER,
            "line": "",
            "new_area": "Gudang",
            "new_line": "Lini Palet",
            "name": "Pembungkus Palet",
            "code": "",
        }
        r = await c.post("/setup/machine", data=new_area)
        assert r.status_code == 303
        assert [a.id for a in rt.plant.areas] == ["hall-produksi", "gudang"]
        assert rt.plant.machine("pembungkus-palet") is not None
        assert rt.plant.line_of("pembungkus-palet").id == "lini-palet"  # type: ignore[union-attr]
        page = await c.get("/machines")
        assert page.text.count("data-machine=") == 4

    async with logged_in(app, instance.users[Role.OPERATOR], PASSWORD) as op:
        assert (await op.get("/setup/machine")).status_code == 403
        assert (await op.post("/setup/machine", data=CAPPER)).status_code == 403


async def test_a_machine_form_opened_before_another_save_is_refused_with_the_change(
    instance: Instance,
) -> None:
    app = instance.app()
    rt = instance.runtime
    async with logged_in(app, instance.users[Role.ENGINEER], PASSWORD) as c:
        if rt.configs.head() == 0:
            assert (await run_wizard(c)).status_code == 303
        first = await c.get("/setup/machine")
        second = await c.get("/setup/machine")
        base = re.search(r'name="base" value="(\d+)"', second.text)
        assert base is not None
        assert base.group(1) == str(rt.configs.head())
        sealer = {**CAPPER, "name": "Mesin Segel", "code": "sealer-1", "base": base.group(1)}
        assert first.status_code == 200
        assert (await c.post("/setup/machine", data=sealer)).status_code == 303
        head = rt.configs.head()
        stale = {**CAPPER, "name": "Mesin Timbang", "code": "weigher-1", "base": base.group(1)}
        refused = await c.post("/setup/machine?lang=id", data=stale)
        assert refused.status_code == 409
        assert "Perubahan Anda tidak disimpan" in refused.text
        assert "sealer-1" in refused.text
        assert 'href="/setup/machine"' in refused.text
        english = await c.post("/setup/machine?lang=en", data=stale)
        assert "Someone else changed the configuration" in english.text
        assert rt.configs.head() == head
        assert rt.plant.machine("weigher-1") is None
