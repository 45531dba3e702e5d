"""Planning use cases: the roadmap's start, same-model trends, deleting drafts, the consultant's
order of the gaps, and plant data for the Korean profile."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest

from pabrik.model.errors import InvalidRequestError, NotFoundError
from pabrik.runtime.app import Runtime, build_runtime
from pabrik.runtime.assess.service import Assessments, build_assessments
from pabrik.runtime.settings import Settings
from tests.assessment.answers import uniform
from tests.paths import DEMO

# 01:30 on 4 December in Cikarang (WIB), still 3 December in UTC: the consultant's case.
NOW = datetime(2026, 12, 3, 18, 30, tzinfo=UTC)
# The clock moves a minute per assessment, so the history has an order (still 4 December).
CLOCK = [NOW]


@pytest.fixture(scope="module")
def runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    rt = build_runtime(
        Settings(config=DEMO, data_dir=tmp_path_factory.mktemp("planning")),
        clock=lambda: CLOCK[0],
    )
    rt.backfill(days=1)
    yield rt
    rt.close()


@pytest.fixture(scope="module")
def svc(runtime: Runtime) -> Assessments:
    return build_assessments(runtime)


def scored(svc: Assessments, model: str, level: int) -> str:
    CLOCK[0] += timedelta(minutes=1)
    row = svc.create(model, title=f"{model} {level}")
    svc.save_answers(row.id, list(uniform(svc.model_of(row), level).values()))
    svc.submit(row.id)
    return row.id


def test_the_roadmap_starts_on_the_assessments_date_in_the_plants_zone(svc: Assessments) -> None:
    assessment = scored(svc, "indi40", 1)
    plan = svc.roadmap(assessment)
    assert plan.start == date(2026, 12, 4)
    assert all(s.begins >= date(2026, 12, 4) for s in plan.steps)
    picked = svc.roadmap(assessment, start=date(2027, 1, 15))
    assert picked.start == date(2027, 1, 15)
    assert picked.steps[0].begins == date(2027, 1, 15)


def test_a_trend_compares_only_assessments_of_the_same_model(svc: Assessments) -> None:
    indi = scored(svc, "indi40", 2)
    korea = scored(svc, "korea-sf", 3)
    history = {e.assessment.id: e for e in svc.history()}
    assert history[korea].trend is None
    assert svc.previous_result(korea) is None
    again = scored(svc, "indi40", 3)
    assert history[indi].result.model_id == "indi40"
    trend = next(e.trend for e in svc.history() if e.assessment.id == again)
    assert trend is not None
    assert trend.overall > 0


def test_a_draft_can_be_deleted_and_the_deletion_is_audited(svc: Assessments) -> None:
    row = svc.create("indi40", title="salah buat")
    svc.save_answers(row.id, list(uniform(svc.model_of(row), 1).values())[:3])
    svc.delete_draft(row.id)
    with pytest.raises(NotFoundError):
        svc.get(row.id)
    assert svc.store.answers(svc.tenant_id, row.id) == []
    trail = svc.store.audit_log(svc.tenant_id, row.id)
    assert trail[-1].action == "delete"
    assert json.loads(trail[-1].before_json or "{}") == {
        "answers": 3,
        "model": "indi40",
        "title": "salah buat",
    }
    submitted = scored(svc, "indi40", 1)
    with pytest.raises(InvalidRequestError):
        svc.delete_draft(submitted)


def test_the_consultant_moves_and_pins_gaps_and_every_change_is_audited(
    svc: Assessments,
) -> None:
    assessment = scored(svc, "indi40", 1)
    computed = [g.field_id for g in svc.gaps(assessment)]
    third = computed[2]
    svc.reorder(assessment, third, "up")
    order = svc.gaps(assessment)
    assert [g.field_id for g in order][:3] == [computed[0], third, computed[1]]
    assert order[1].pinned
    assert order[1].computed_rank == 3
    svc.reorder(assessment, computed[-1], "pin")
    assert svc.pins(assessment) == {third: 2, computed[-1]: len(computed)}
    # A pinned gap keeps its place in the roadmap's order too.
    plan = svc.roadmap(assessment)
    ranks = {s.field_id: s.gap_rank for s in plan.steps}
    assert ranks.get(third, 2) == 2
    svc.reorder(assessment, third, "unpin")
    assert svc.pins(assessment) == {computed[-1]: len(computed)}
    actions = [a for a in svc.audit(assessment) if a.action == "ranking"]
    assert [a.subject for a in actions] == [third, computed[-1], third]
    with pytest.raises(InvalidRequestError):
        svc.reorder(assessment, third, "sideways")


def test_plant_data_marks_connected_machines_done_for_the_korean_profile(
    svc: Assessments,
) -> None:
    assessment = scored(svc, "korea-sf", 0)
    observation = svc.observation()
    assert observation is not None
    assert observation.connected_share == 1.0
    plan = svc.roadmap(assessment)
    done = plan.settled("connect-bottleneck")
    assert done is not None
    assert done.basis == "data"
    assert "connect-bottleneck" not in {s.practice_id for s in plan.steps}
