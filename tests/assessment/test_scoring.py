from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest

from pabrik.assessment.scoring import Answer, AnswerError, normalise, score, trend
from tests.assessment.answers import MIXED, by_score, uniform


def test_uniform_answers_give_that_score_and_level_everywhere(indi: Any) -> None:
    result = score(indi, uniform(indi, 2))
    assert result.overall == 2
    assert result.level == 2
    assert indi.level(result.level).label.id == "Kesiapan sedang"
    assert {f.score for f in result.fields} == {2}
    assert result.weakest == ()
    assert result.strongest == ()
    assert result.model_key == "indi40@1"


def test_golden_mixed_answers(indi: Any) -> None:
    result = score(indi, by_score(indi, MIXED, 2))
    fields = {f.field_id: f.score for f in result.fields}
    assert fields["strategy_leadership"] == Fraction(7, 2)
    assert fields["investment"] == Fraction(1, 2)
    assert fields["cyber_security"] == 4
    assert fields["digitalisation"] == Fraction(1, 2)
    pillars = {p.pillar_id: p.score for p in result.pillars}
    assert pillars == {
        "management": 2,
        "people": 2,
        "products": 2,
        "technology": Fraction(19, 8),
        "operations": 2,
    }
    assert result.overall == Fraction(329, 160)
    assert result.level == 2
    assert result.weakest == ("digitalisation", "investment", "autonomous_processes")
    assert result.strongest == ("cyber_security", "strategy_leadership", "connectivity")


def test_level_is_the_floor_of_the_score(indi: Any) -> None:
    answers = by_score(indi, {}, 3)
    answers["strategy.plan"] = Answer("strategy.plan", ("ideas",))
    result = score(indi, answers)
    assert 2 < result.overall < 3
    assert result.level == 2


def test_multi_select_counts_items_up_to_four_and_none_scores_zero(indi: Any) -> None:
    q = indi.question("cyber.practice")
    every = tuple(o.id for o in q.options if not o.none)
    assert len(every) == 5
    answers = uniform(indi, 2)
    answers["cyber.practice"] = Answer(q.id, every)
    assert score(indi, answers).field("cyber_security").score == 4
    answers["cyber.practice"] = Answer(q.id, ("none",))
    assert score(indi, answers).field("cyber_security").score == 0


def test_none_of_these_clears_every_other_option(indi: Any) -> None:
    q = indi.question("investment.areas")
    assert normalise(q, ("sensors", "none", "software")) == ("none",)
    assert normalise(q, ("sensors", "sensors", "software")) == ("sensors", "software")
    answers = uniform(indi, 2)
    answers[q.id] = Answer(q.id, ("sensors", "software", "none"))
    assert score(indi, answers).field("investment").score == 1


def test_problems_are_reported_per_question_and_nothing_is_scored(indi: Any) -> None:
    answers = uniform(indi, 2)
    del answers["strategy.plan"]
    answers["culture.data"] = Answer("culture.data", ("telepathy",))
    answers["ghost.question"] = Answer("ghost.question", ("a",))
    answers["digital.oee"] = Answer("digital.oee", ("never", "live"))
    with pytest.raises(AnswerError) as err:
        score(indi, answers)
    found = {(i.question_id, i.code) for i in err.value.issues}
    assert found == {
        ("strategy.plan", "missing"),
        ("culture.data", "unknown_option"),
        ("ghost.question", "unknown_question"),
        ("digital.oee", "single_choice"),
    }


def test_answers_of_another_model_do_not_fit(indi: Any, korea: Any) -> None:
    with pytest.raises(AnswerError) as err:
        score(korea, uniform(indi, 2))
    codes = {i.code for i in err.value.issues}
    assert codes == {"unknown_question", "missing"}


def test_assessor_adjustments_change_the_score_and_keep_the_original(indi: Any) -> None:
    result = score(indi, uniform(indi, 2), {"strategy.plan": 0})
    q = next(q for q in result.questions if q.question_id == "strategy.plan")
    assert (q.score, q.original, q.adjusted) == (0, 2, True)
    assert result.field("strategy_leadership").score == 1


def test_korean_points_capability_and_built_system_levels(korea: Any) -> None:
    answers = by_score(korea, {"process.equipment": 4, "systems.control": 2}, 2)
    result = score(korea, answers)
    assert result.points == Fraction(1000, 4) * result.overall
    assert result.capability_level == 3
    areas = {a.area_id: a.level for a in result.areas}
    assert areas["field_automation"] == 3
    assert areas["supply_chain"] == 2
    low = score(korea, uniform(korea, 0))
    assert (low.points, low.capability_level) == (0, 1)
    top = score(korea, uniform(korea, 4))
    assert (top.points, top.capability_level) == (1000, 5)


def test_trend_against_the_previous_result(indi: Any) -> None:
    before = score(indi, uniform(indi, 1))
    after = score(indi, uniform(indi, 2))
    t = trend(after, before)
    assert t is not None
    assert t.overall == 1
    assert t.level_change == 1
    assert dict(t.pillars)["people"] == 1
    assert trend(after, None) is None
