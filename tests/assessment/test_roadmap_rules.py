"""The roadmap's rules as properties over random answers, profiles, budgets and plant data."""

from __future__ import annotations

from datetime import date
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pabrik.assessment.catalogue import PlantSize
from pabrik.assessment.evidence import PlantObservation
from pabrik.assessment.gaps import CompanyProfile, rank_gaps
from pabrik.assessment.model import KPI_AREAS, AssessmentModel, QuestionKind
from pabrik.assessment.roadmap import DATA, Roadmap, plan_roadmap, shown_by_data
from pabrik.assessment.scoring import Answer, Result, score
from pabrik.runtime.assess.data import load_registry

REGISTRY = load_registry()
CATALOGUE = REGISTRY.catalogue
MODELS = [REGISTRY.get("indi40"), REGISTRY.get("korea-sf")]
RULES = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])

shares = st.floats(min_value=0, max_value=1, allow_nan=False)
observations = st.one_of(
    st.none(),
    st.builds(
        PlantObservation,
        machines=st.integers(0, 40),
        connected_share=shares,
        oee_auto_share=shares,
        data_recency=st.integers(0, 4),
        alarm_share=shares,
        maintenance_kpis=st.booleans(),
        history_days=st.sampled_from([0.0, 1.0, 7.0, 30.0, 90.0, 180.0, 365.0]),
    ),
)


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


@st.composite
def plans(draw: st.DrawFn) -> tuple[AssessmentModel, Result, Roadmap, PlantObservation | None]:
    model = draw(st.sampled_from(MODELS))
    result = score(model, draw(answer_sets(model)))
    targets = {f.field_id: draw(st.integers(f.level, model.scale_max)) for f in result.fields}
    profile = CompanyProfile(draw(st.dictionaries(st.sampled_from(KPI_AREAS), st.integers(0, 3))))
    observation = draw(observations)
    plan = plan_roadmap(
        model,
        CATALOGUE,
        result,
        rank_gaps(model, result, targets, profile),
        size=draw(st.sampled_from(list(PlantSize))),
        start=draw(st.dates(date(2024, 1, 1), date(2030, 12, 31))),
        budget=draw(st.one_of(st.none(), st.integers(0, 3_000_000_000))),
        observation=observation,
    )
    return model, result, plan, observation


@RULES
@given(plans())
def test_every_steps_dates_fall_inside_its_phase(case: Any) -> None:
    _, _, plan, _ = case
    for step in plan.steps:
        first, last = plan.window(step.phase)
        assert first <= step.begins <= step.due <= last, step
        assert plan.start <= step.begins


@RULES
@given(plans())
def test_the_plan_is_closed_under_prerequisites_except_what_is_shown_in_place(case: Any) -> None:
    model, result, plan, observation = case
    planned = {s.practice_id for s in plan.steps}
    for step in plan.steps:
        for pre in step.prerequisites:
            settled = plan.settled(pre)
            assert pre in planned or settled is not None, (step.practice_id, pre)
            if settled is None:
                continue
            practice = CATALOGUE.practice(pre)
            if settled.basis == DATA:
                assert shown_by_data(practice, observation)
                assert settled.value == observation.value(settled.observe)
            else:
                assert settled.fields, pre
                for field_id in settled.fields:
                    assert result.field(field_id).level >= practice.level
                    assert set(model.field(field_id).crosswalk) & set(practice.fields)


@RULES
@given(plans())
def test_the_order_respects_the_prerequisite_graph(case: Any) -> None:
    _, _, plan, _ = case
    index = {s.practice_id: i for i, s in enumerate(plan.steps)}
    for i, step in enumerate(plan.steps):
        for pre in step.prerequisites:
            if pre in index:
                assert index[pre] < i
                assert plan.steps[index[pre]].due <= step.begins


@RULES
@given(plans())
def test_a_step_the_plant_data_already_shows_is_marked_done_not_planned(case: Any) -> None:
    _, _, plan, observation = case
    for step in plan.steps:
        assert not shown_by_data(CATALOGUE.practice(step.practice_id), observation)
        for pre in step.prerequisites:
            if shown_by_data(CATALOGUE.practice(pre), observation):
                assert plan.settled(pre).basis == DATA


@RULES
@given(plans())
def test_the_plan_starts_on_the_date_it_is_given(case: Any) -> None:
    _, _, plan, _ = case
    assert all(s.begins >= plan.start for s in plan.steps)
    assert plan.window("0-6")[0] == plan.start
