"""The connector pages' fixtures: the demo site without its simulated history (not needed here)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pabrik.runtime.app import Runtime, build_runtime
from pabrik.runtime.settings import Settings
from tests.web.demo_app import NOW


@pytest.fixture(scope="module")
def runtime(settings: Settings) -> Iterator[Runtime]:
    rt = build_runtime(settings, clock=lambda: NOW)
    yield rt
    rt.close()
