"""The demo plant at two fixed clocks (tests/web/kpi/sites.py), simulated once per module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.web.kpi.sites import Sites


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sites]:
    s = Sites(tmp_path_factory.mktemp("kpi-consistency"))
    yield s
    s.close()
