"""The composition root that runs the dashboard under uvicorn."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from pabrik.launch import freeze_start_up


@pytest.fixture
def unfrozen() -> Iterator[None]:
    """The test process's objects back in the collector's generations afterwards."""
    yield
    gc.unfreeze()


@pytest.mark.usefixtures("unfrozen")
def test_what_start_up_made_is_left_out_of_later_collections() -> None:
    made = [[n] for n in range(1_000)]  # containers, which the cyclic collector walks
    freeze_start_up()
    assert gc.get_freeze_count() >= len(made)
    walked = {id(o) for o in gc.get_objects()}
    assert not any(id(m) in walked for m in made)
