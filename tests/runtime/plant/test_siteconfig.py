from __future__ import annotations

from pathlib import Path

import pytest

from pabrik.model.errors import ConfigError
from pabrik.runtime.plant.siteconfig import load_site, parse_site
from tests.paths import DEMO

GOOD = """\
site: {id: pabrik-a, name: PT Contoh}
calendar:
  timezone: Asia/Jakarta
  shifts:
    - {id: pagi, name: {id: Pagi}, start: "07:00", end: "15:00"}
areas:
  - id: hall
    name: {id: Aula}
    lines:
      - id: line-1
        name: {id: Lini 1}
        machines:
          - id: m1
            name: {id: Mesin 1}
            products:
              - {id: cap, name: {id: Tutup}, ideal_cycle_time_s: 12}
      - id: line-2
        name: {id: Lini 2}
        machines:
          - id: m2
            name: {id: Mesin 2}
            products:
              - {id: cap, name: {id: Tutup}, ideal_cycle_time_s: 0}
connectors:
  - {kind: simulator, seed: 1}
"""


def issues(text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_site(text, "site.yaml")
    return [str(i) for i in info.value.issues]


def test_every_problem_is_reported_with_its_path_and_line() -> None:
    text = GOOD.replace("timezone: Asia/Jakarta", "timezone: Asia/Bandung")
    found = issues(text)
    assert (
        "areas[0].lines[1].machines[0].products[0].ideal_cycle_time_s: must be > 0 (line 23)"
        in found
    )
    assert any(
        i.startswith("calendar.timezone: unknown IANA time zone 'Asia/Bandung'") for i in found
    )
    assert len(found) == 2


def test_unknown_settings_and_missing_fields_are_named() -> None:
    text = GOOD.replace("site: {id: pabrik-a, name: PT Contoh}", "site: {id: pabrik-a, nama: X}")
    found = issues(text)
    assert any(i.startswith("site.name: is required") for i in found)
    assert any(i.startswith("site.nama: is not a known setting") for i in found)


def test_duplicate_machine_ids_are_rejected() -> None:
    text = GOOD.replace("id: m2", "id: m1").replace(
        "ideal_cycle_time_s: 0", "ideal_cycle_time_s: 5"
    )
    assert any("duplicate machines id(s): m1" in i for i in issues(text))


def test_broken_yaml_names_the_line() -> None:
    (problem,) = issues("site: [unclosed\n")
    assert "not valid YAML" in problem
    assert "line" in problem


def test_a_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read the file"):
        load_site(tmp_path / "nope.yaml")


def test_the_demo_plant_is_valid() -> None:
    site = load_site(DEMO)
    plant = site.plant()
    assert len(plant.lines()) >= 2
    assert len(plant.machines()) >= 6
    assert site.simulator() is not None
