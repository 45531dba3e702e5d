"""A connector edit on the site: new signals join their machine, unknown machines are refused."""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter

from pabrik.runtime.connect.service import with_connector, without_connector
from pabrik.runtime.plant.siteconfig import ConnectorConfig, load_site
from tests.paths import DEMO

ADAPTER: TypeAdapter[Any] = TypeAdapter(ConnectorConfig)


def _opcua(machine: str, signal: str) -> Any:
    return ADAPTER.validate_python(
        {"kind": "opcua", "id": "ua", "endpoint": "opc.tcp://h:4840",
         "signals": [{"node": "ns=2;s=A", "machine": machine, "signal": signal}]}
    )  # fmt: skip


def test_a_mapped_signal_the_machine_lacks_is_added_to_the_machine() -> None:
    site = load_site(DEMO)
    edit = with_connector(site, _opcua("imm-01", "torque"), None)
    assert edit.issues == []
    assert edit.added_signals == ["imm-01.torque"]
    assert edit.site is not None
    machine = edit.site.plant().machine("imm-01")
    assert machine is not None
    assert "torque" in machine.signal_ids
    assert [c.id for c in edit.site.connectors][-1] == "ua"
    assert without_connector(edit.site, "ua").connectors == site.connectors


def test_a_mapping_to_an_unknown_machine_is_refused_by_its_path() -> None:
    edit = with_connector(load_site(DEMO), _opcua("no-such-press", "temperature"), None)
    assert edit.site is None
    assert [(i.path, i.message) for i in edit.issues] == [
        ("signals.0.machine", "unknown machine 'no-such-press'")
    ]


def test_a_new_connector_may_not_take_an_existing_id() -> None:
    site = load_site(DEMO)
    taken = _opcua("imm-01", "temperature").model_copy(update={"id": site.connectors[0].id})
    edit = with_connector(site, taken, None)
    assert edit.site is None
    assert edit.issues[0].path == "id"
