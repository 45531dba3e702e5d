"""Names in another language never change what a data folder was simulated with."""

from __future__ import annotations

import re

from pabrik.connectors.simulator.config import SimulatorConfig
from pabrik.runtime.ingest.simulation import SimulationRunner
from pabrik.runtime.plant.siteconfig import parse_site
from tests.paths import DEMO


def _fingerprint(text: str) -> str:
    site = parse_site(text)
    sim = next(c for c in site.connectors if isinstance(c, SimulatorConfig))
    return SimulationRunner(site.plant(), sim, None).fingerprint()  # type: ignore[arg-type]


def test_korean_names_leave_the_simulator_fingerprint_as_it_was() -> None:
    text = DEMO.read_text(encoding="utf-8")
    without = re.sub(r', ko: "[^"]*"', "", text)
    assert without != text, "the demo plant names its machines in Korean"
    assert parse_site(text).plant().machines()[0].name.get("ko") == "사출기 1"
    assert _fingerprint(text) == _fingerprint(without)


def test_a_renamed_machine_still_changes_the_fingerprint() -> None:
    text = DEMO.read_text(encoding="utf-8")
    renamed = text.replace('en: "Injection machine 1"', 'en: "Press 1"', 1)
    assert _fingerprint(renamed) != _fingerprint(text)
