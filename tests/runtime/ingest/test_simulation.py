from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from pabrik.model.errors import InvalidRequestError
from pabrik.runtime.app import build_runtime
from pabrik.runtime.settings import Settings
from tests.paths import DEMO

NOW = datetime(2025, 3, 10, 2, 0, tzinfo=UTC)


def runtime_at(tmp_path: Path, now: datetime = NOW, seed: int | None = None):
    settings = Settings(config=DEMO, data_dir=tmp_path, seed=seed)
    return build_runtime(settings, clock=lambda: now)


def test_the_simulated_plant_produces_only_valid_records(tmp_path: Path) -> None:
    rt = runtime_at(tmp_path)
    written = rt.backfill(days=2)
    counts = rt.store.row_counts()
    rt.close()
    assert written > 50_000
    assert counts["dead_letters"] == 0
    assert counts["states"] > 0
    assert counts["counts"] > 0


def test_a_restart_resumes_from_the_committed_position(tmp_path: Path) -> None:
    first = runtime_at(tmp_path, datetime(2025, 3, 9, 14, 0, tzinfo=UTC))
    first.backfill(days=1)
    before = first.store.row_counts()
    first.close()
    second = runtime_at(tmp_path)
    second.start_simulation(days=1)
    assert second.simulation is not None
    assert second.simulation.position == datetime(2025, 3, 9, 14, 0, tzinfo=UTC)
    second.backfill(days=1)
    after = second.store.row_counts()
    second.close()
    assert after["samples"] > before["samples"]


def test_resuming_with_another_seed_is_refused_with_a_way_out(tmp_path: Path) -> None:
    rt = runtime_at(tmp_path)
    rt.backfill(days=0.1)
    rt.close()
    other = runtime_at(tmp_path, seed=7)
    with pytest.raises(InvalidRequestError, match="another data folder"):
        other.backfill(days=0.1)
    other.close()


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (datetime(2025, 3, 9, tzinfo=UTC), datetime(2025, 3, 8, tzinfo=UTC), "after .from"),
        (datetime(1800, 1, 1, tzinfo=UTC), datetime(1800, 1, 2, tzinfo=UTC), "between"),
        (datetime(2020, 1, 1, tzinfo=UTC), datetime(2025, 1, 1, tzinfo=UTC), "longer than"),
        (datetime(2025, 3, 8), datetime(2025, 3, 9), "UTC offset"),  # noqa: DTZ001
    ],
)
def test_unreasonable_windows_are_refused_before_any_work(
    tmp_path: Path, start: datetime, end: datetime, message: str
) -> None:
    rt = runtime_at(tmp_path)
    with pytest.raises(InvalidRequestError, match=message):
        rt.oee("plant", rt.window(None, start, end))
    rt.close()
