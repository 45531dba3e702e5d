from __future__ import annotations

from datetime import date
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pabrik.assessment.catalogue import PlantSize
from pabrik.assessment.gaps import CompanyProfile, rank_gaps
from pabrik.assessment.model import AssessmentModel, QuestionKind
from pabrik.assessment.roadmap import plan_roadmap
from pabrik.assessment.scoring import Answer, score
from pabrik.runtime.assess.data import load_registry

REGISTRY = load_registry()
MODELS = [REGISTRY.get("indi40"), REGISTRY.get("korea-sf")]
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def answer_sets(draw: st.DrawFn, model: AssessmentModel) -> dict[str, Answer]:
    out: dict[str, Answer] = {}
    for q in model.questions:
        if q.kind is QuestionKind.SINGLE:
            out[q.id] = Answer(q.id, (draw(st.sampled_from(q.options)).id,))
        else:
            items = [o.id for o in q.options if not o.none]
            chosen = draw(st.lists(st.sampled_from(items), unique=True, max_size=len(items)))
            none = q.none_option
            out[q.id] = Answer(q.id, tuple(chosen) or ((none.id,) if none else (items[0],)))
    return out


models = st.sampled_from(MODELS)


@FAST
@given(data=st.data(), model=models)
def test_rescoring_is_deterministic_and_ignores_answer_order(data: Any, model: Any) -> None:
    answers = data.draw(answer_sets(model))
    shuffled = dict(reversed(list(answers.items())))
    assert score(model, answers) == score(model, answers) == score(model, shuffled)


@FAST
@given(data=st.data(), model=models)
def test_raising_any_answer_never_lowers_a_score(data: Any, model: Any) -> None:
    answers = data.draw(answer_sets(model))
    q = data.draw(st.sampled_from(model.questions))
    current = answers[q.id]
    if q.kind is QuestionKind.SINGLE:
        now = q.option(current.selected[0]).score
        higher = [o for o in q.options if o.score >= now]
        raised = Answer(q.id, (data.draw(st.sampled_from(higher)).id,))
    else:
        extra = data.draw(st.sampled_from([o.id for o in q.options if not o.none]))
        kept = tuple(s for s in current.selected if not q.option(s).none)
        raised = Answer(q.id, (*kept, extra))
    before = score(model, answers)
    after = score(model, answers | {q.id: raised})
    assert after.overall >= before.overall
    assert after.level >= before.level
    for b, a in zip(before.fields, after.fields, strict=True):
        assert a.score >= b.score
    if before.points is not None:
        assert after.points >= before.points
        assert after.capability_level >= before.capability_level


@FAST
@given(
    data=st.data(),
    model=models,
    budget=st.one_of(st.none(), st.integers(min_value=0, max_value=3_000_000_000)),
    size=st.sampled_from(list(PlantSize)),
    priorities=st.dictionaries(
        st.sampled_from(["productivity", "quality", "delivery", "energy", "safety"]),
        st.integers(0, 3),
    ),
)
def test_the_roadmap_never_schedules_a_step_before_its_prerequisites(
    data: Any, model: Any, budget: int | None, size: PlantSize, priorities: dict[str, int]
) -> None:
    result = score(model, data.draw(answer_sets(model)))
    targets = {
        f.field_id: data.draw(st.integers(min_value=f.level, max_value=4)) for f in result.fields
    }
    gaps = rank_gaps(model, result, targets, CompanyProfile(priorities))
    plan = plan_roadmap(
        model, REGISTRY.catalogue, result, gaps, size=size, start=date(2026, 1, 1), budget=budget
    )
    end = {s.practice_id: s.end_month for s in plan.steps}
    deferred = {d.practice_id for d in plan.deferred}
    for step in plan.steps:
        assert step.start_month < 24
        for pre in step.prerequisites:
            assert pre not in deferred
            assert plan.settled(pre) is not None or end[pre] <= step.start_month
    if budget is not None:
        spent = sum(
            REGISTRY.catalogue.practice(s.practice_id).cost_estimate(size) for s in plan.steps
        )
        assert spent <= budget
    assert len(end) == len(plan.steps)


@FAST
@given(data=st.data(), model=models)
def test_a_weaker_field_with_no_less_impact_and_no_more_effort_ranks_first(
    data: Any, model: Any
) -> None:
    result = score(model, data.draw(answer_sets(model)))
    targets = {f.field_id: model.scale_max for f in result.fields}
    gaps = rank_gaps(model, result, targets, CompanyProfile())
    for i, a in enumerate(gaps):
        for b in gaps[i + 1 :]:
            dominated = b.current < a.current and b.impact >= a.impact and b.effort <= a.effort
            assert not dominated, (a.field_id, b.field_id)
