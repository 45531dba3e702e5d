"""Connector pages' use cases: list, starters, test before save, and the site with an edit."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from pabrik.connectors.contract import ProbeResult, error_text, redact
from pabrik.connectors.modbus.config import ModbusConfig
from pabrik.connectors.mqtt.config import MqttConfig
from pabrik.connectors.opcua.config import OpcuaConfig
from pabrik.connectors.sparkplug.config import SparkplugConfig
from pabrik.model.equipment import Signal
from pabrik.model.errors import ConfigIssue
from pabrik.model.fields import Text
from pabrik.model.site import Plant
from pabrik.runtime.ingest.connectors import FACTORIES
from pabrik.runtime.plant.references import unknown_references
from pabrik.runtime.plant.siteconfig import SiteConfig

log = logging.getLogger(__name__)

# The kinds a person adds and edits in the browser (the simulator and CSV are not live links).
EDITABLE: dict[str, type[BaseModel]] = {
    "modbus": ModbusConfig,
    "opcua": OpcuaConfig,
    "mqtt": MqttConfig,
    "sparkplug": SparkplugConfig,
}

# What a new connector's form starts with: one row where a list must not be empty.
STARTERS: dict[str, dict[str, str]] = {
    "modbus": {
        "devices.0.__row": "",
        "devices.0.id": "plc-1",
        "devices.0.host": "127.0.0.1",
        "devices.0.points.0.__row": "",
    },
    "opcua": {"endpoint": "opc.tcp://127.0.0.1:4840"},
    "mqtt": {},
    "sparkplug": {},
}


@dataclass(frozen=True, slots=True)
class ConnectorRow:
    """One configured connector as the list shows it."""

    id: str
    kind: str
    editable: bool
    state: str
    last_error: str | None
    received: int


def model_of(kind: str) -> type[BaseModel] | None:
    """The configuration model of an editable kind."""
    return EDITABLE.get(kind)


def find(site: SiteConfig, connector_id: str) -> Any:
    """The configured connector with ``connector_id``, or None."""
    return next((c for c in site.connectors if c.id == connector_id), None)


def rows(site: SiteConfig, states: dict[str, tuple[str, str | None, int]]) -> list[ConnectorRow]:
    """Every configured connector with its running state (``stopped`` when not running)."""
    out = []
    for c in site.connectors:
        state, error, received = states.get(c.id, ("stopped", None, 0))
        out.append(ConnectorRow(c.id, c.kind, c.kind in EDITABLE, state, error, received))
    return out


async def probe(config: BaseModel, plant: Plant) -> ProbeResult:
    """Test a connection once with an unsaved configuration, delivering nothing."""
    kind = str(getattr(config, "kind", ""))
    factory = FACTORIES.get(kind)
    if factory is None:
        return ProbeResult(False, f"connector kind '{kind}' cannot be tested")
    try:
        result = await factory(config, plant).probe()
    except Exception as err:  # noqa: BLE001 - any library failure is one line for the person
        result = ProbeResult(False, error_text(err))
    log.info("probe of %s: %s %s", kind, result.ok, redact(dict(result.facts)))
    return result


def _new_signals(plant_data: dict[str, Any], wanted: dict[str, set[str]]) -> list[str]:
    added = []
    for area in plant_data["areas"]:
        for line in area["lines"]:
            for machine in line["machines"]:
                have = {s["id"] for s in machine.get("signals", [])}
                for signal in sorted(wanted.get(machine["id"], set()) - have):
                    sig = Signal(id=signal, name=Text(id=signal))
                    machine.setdefault("signals", []).append(sig.model_dump())
                    added.append(f"{machine['id']}.{signal}")
    return added


def _wanted_signals(config: BaseModel) -> dict[str, set[str]]:
    wanted: dict[str, set[str]] = {}
    pairs: list[tuple[str, str | None]] = []
    if isinstance(config, ModbusConfig):
        pairs = [(p.machine, p.signal) for d in config.devices for p in d.points]
    elif isinstance(config, OpcuaConfig):
        pairs = [(s.machine, s.signal) for s in config.signals]
    elif isinstance(config, MqttConfig):
        pairs = [(r.machine, r.signal) for r in config.topic_map]
    elif isinstance(config, SparkplugConfig):
        for d in config.devices:
            pairs += [(d.machine, d.meaning(name).signal) for name in d.metrics]  # type: ignore[union-attr]
    for machine, signal in pairs:
        if signal and "{" not in signal and "{" not in machine:
            wanted.setdefault(machine, set()).add(signal)
    return wanted


@dataclass(frozen=True, slots=True)
class Edit:
    """A site with one connector added or changed, or the problems that stop it."""

    site: SiteConfig | None
    issues: list[ConfigIssue]
    added_signals: list[str]


def with_connector(site: SiteConfig, config: BaseModel, replaces: str | None) -> Edit:
    """The site with ``config`` in place of ``replaces`` (or added); new signals are added."""
    new_id = str(getattr(config, "id", ""))
    if new_id != replaces and find(site, new_id) is not None:
        return Edit(None, [ConfigIssue("id", f"a connector '{new_id}' already exists")], [])
    connectors: list[Any] = list(site.connectors)
    index = next((i for i, c in enumerate(connectors) if c.id == replaces), None)
    if index is None:
        connectors.append(config)
        index = len(connectors) - 1
    else:
        connectors[index] = config
    plant_data = site.plant().model_dump()
    added = _new_signals(plant_data, _wanted_signals(config))
    plant = Plant.model_validate(plant_data) if added else site.plant()
    problems = [p for p in unknown_references(plant, connectors) if p[0][1] == index]
    if problems:
        issues = [ConfigIssue(".".join(map(str, loc[2:])), msg) for loc, msg in problems]
        return Edit(None, issues, [])
    update: dict[str, Any] = {"connectors": connectors}
    if added:
        update |= {k: getattr(plant, k) for k in ("areas",)}
    return Edit(site.model_copy(update=update), [], added)


def without_connector(site: SiteConfig, connector_id: str) -> SiteConfig:
    """The site without one connector."""
    kept = [c for c in site.connectors if c.id != connector_id]
    return site.model_copy(update={"connectors": kept})


def machine_choices(plant: Plant) -> list[tuple[str, list[str]]]:
    """Every machine id with its signal ids, for the mapping pickers."""
    return [(m.id, sorted(m.signal_ids)) for m in plant.machines()]
