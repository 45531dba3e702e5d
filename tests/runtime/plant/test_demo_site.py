from __future__ import annotations

from pathlib import Path

import pytest

from pabrik.runtime.plant.siteconfig import DEMO_SITE, load_site
from tests.paths import SOURCE


def test_the_demo_plant_is_found_outside_the_repository(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    site = load_site(DEMO_SITE)
    assert len(site.plant().machines()) >= 6


def test_the_repository_copy_is_the_packaged_demo_plant() -> None:
    assert DEMO_SITE.resolve() == (SOURCE / "examples" / "demo-plant.yaml").resolve()
