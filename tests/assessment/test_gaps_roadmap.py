from __future__ import annotations

from datetime import date
from fractions import Fraction
from typing import Any

import pytest

from pabrik.assessment.catalogue import PlantSize
from pabrik.assessment.evidence import PlantObservation
from pabrik.assessment.gaps import (
    CompanyProfile,
    apply_pins,
    check_profile,
    moved,
    rank_gaps,
    suggested_targets,
)
from pabrik.assessment.people import training_plan
from pabrik.assessment.roadmap import add_months, fit_phase, plan_roadmap
from pabrik.assessment.scoring import score
from pabrik.model.errors import InvalidRequestError
from tests.assessment.answers import MIXED, by_score, uniform

START = date(2026, 1, 15)


def mixed(indi: Any) -> Any:
    return score(indi, by_score(indi, MIXED, 2))


def test_golden_gap_ranking_with_suggested_targets_and_no_profile(indi: Any) -> None:
    result = mixed(indi)
    gaps = rank_gaps(indi, result, suggested_targets(indi, result), CompanyProfile())
    # The two weakest fields (0.5 of 4) lead; the strongest (3.0 and 3.5) come late.
    assert [g.field_id for g in gaps] == [
        "digitalisation",
        "investment",
        "data_storage_sharing",
        "competence",
        "smart_maintenance",
        "autonomous_processes",
        "smart_machines",
        "culture",
        "innovation_policy",
        "openness_to_change",
        "smart_supply_chain",
        "connectivity",
        "data_services",
        "product_customisation",
        "strategy_leadership",
        "smart_products",
    ]
    first = gaps[0]
    assert (first.size, first.impact, first.effort) == (Fraction(1, 2), Fraction(3, 5), 1)
    # 2 × 7/8 weakness + 3/5 impact − ½ × 0 effort cost
    assert first.priority == Fraction(47, 20)
    assert first.weakness == Fraction(7, 8)
    assert first.quadrant == "quick_win"
    assert [r.code for r in first.reasons] == ["gap_size", "kpi", "kpi", "effort"]
    assert [g.computed_rank for g in gaps] == list(range(1, len(gaps) + 1))
    assert "cyber_security" not in {g.field_id for g in gaps}


def test_the_weakest_field_leads_and_the_strongest_does_not(indi: Any) -> None:
    # The consultant's finding: digitalisation at 3 ranked first, customisation at 0 ranked 14th.
    scores = {"digital.records": 3, "digital.oee": 3}
    scores |= {q.id: 0 for q in indi.questions if q.field_id == "product_customisation"}
    result = score(indi, by_score(indi, scores, 2))
    gaps = rank_gaps(indi, result, suggested_targets(indi, result), CompanyProfile())
    ranked = [g.field_id for g in gaps]
    assert ranked[0] == "product_customisation"
    assert ranked.index("digitalisation") > len(ranked) // 2


def test_the_company_profile_reorders_the_gaps(indi: Any) -> None:
    result = mixed(indi)
    targets = suggested_targets(indi, result)
    default = [g.field_id for g in rank_gaps(indi, result, targets, CompanyProfile())]
    energy = CompanyProfile({"energy": 3}, {"energy": Fraction(60), "labour": Fraction(40)})
    gaps = rank_gaps(indi, result, targets, energy)
    ranked = [g.field_id for g in gaps]
    assert default.index("competence") < default.index("smart_machines")
    assert ranked.index("smart_machines") < ranked.index("competence")
    machines = next(g for g in gaps if g.field_id == "smart_machines")
    assert [(r.code, r.params) for r in machines.reasons] == [
        ("gap_size", (("size", "1.00"),)),
        ("kpi", (("area", "energy"),)),
        ("kpi", (("area", "productivity"),)),
        ("cost", (("cost", "labour"), ("share", "40%"))),
        ("cost", (("cost", "energy"), ("share", "60%"))),
        ("effort", (("effort", "3"),)),
    ]


def test_pins_put_a_field_at_the_consultants_rank_and_keep_the_rest_in_order(
    indi: Any,
) -> None:
    result = mixed(indi)
    gaps = rank_gaps(indi, result, suggested_targets(indi, result), CompanyProfile())
    computed = [g.field_id for g in gaps]
    pinned = apply_pins(gaps, {"smart_products": 1, "connectivity": 3})
    order = [g.field_id for g in pinned]
    assert order[0] == "smart_products"
    assert order[2] == "connectivity"
    rest = [f for f in computed if f not in {"smart_products", "connectivity"}]
    assert [f for f in order if f not in {"smart_products", "connectivity"}] == rest
    assert [g.field_id for g in pinned if g.pinned] == ["smart_products", "connectivity"]
    assert moved(gaps, "investment", -1)[:2] == ["investment", "digitalisation"]
    with pytest.raises(InvalidRequestError):
        moved(gaps, "cyber_security", 1)


def test_own_targets_override_suggested_ones(indi: Any) -> None:
    result = mixed(indi)
    gaps = rank_gaps(indi, result, {"investment": 4}, CompanyProfile())
    assert [(g.field_id, g.size) for g in gaps] == [("investment", Fraction(7, 2))]
    with pytest.raises(InvalidRequestError):
        rank_gaps(indi, result, {"investment": 5}, CompanyProfile())
    with pytest.raises(InvalidRequestError):
        check_profile(CompanyProfile({"speed": 2}))


def test_golden_roadmap_order_for_the_mixed_answers(indi: Any, catalogue: Any) -> None:
    result = mixed(indi)
    gaps = rank_gaps(indi, result, suggested_targets(indi, result), CompanyProfile())
    plan = plan_roadmap(indi, catalogue, result, gaps, size=PlantSize.SMALL, start=START)
    assert [(s.practice_id, s.start_month, s.end_month) for s in plan.phase("0-6")] == [
        ("digital-shift-records", 0, 2),
        ("downtime-reason-codes", 0, 1),
        ("business-case-method", 0, 1),
        ("digital-budget-line", 1, 2),
        ("data-retention-policy", 1, 2),
        ("automatic-counts", 2, 5),
        ("data-analysis-training", 2, 5),
        ("training-plan-yearly", 2, 3),
        ("alarm-limits", 3, 4),
        ("oee-dashboard", 5, 6),
    ]
    assert plan.steps[0].begins == START
    assert plan.steps[0].due == date(2026, 3, 15)
    assert plan.steps[0].owner == "production_supervisor"
    settled = plan.settled("connect-bottleneck")
    assert settled is not None
    assert settled.basis == "answers"
    assert settled.fields == ("connectivity",)
    assert {s.phase for s in plan.steps} <= {"0-6", "6-12", "12-24"}
    assert plan.cost[0] <= plan.cost[1]


def test_a_practice_the_plant_data_shows_is_done_not_planned(indi: Any, catalogue: Any) -> None:
    # The consultant's finding: 100 % of machines send data, yet the plan opened with
    # "connect the bottleneck machines".
    result = score(indi, uniform(indi, 0))
    gaps = rank_gaps(indi, result, suggested_targets(indi, result), CompanyProfile())
    blind = plan_roadmap(indi, catalogue, result, gaps, size=PlantSize.SMALL, start=START)
    assert "connect-bottleneck" in {s.practice_id for s in blind.steps}
    seen = PlantObservation(5, 1.0, 1.0, 4, 0.0, True, 7.0)
    plan = plan_roadmap(
        indi, catalogue, result, gaps, size=PlantSize.SMALL, start=START, observation=seen
    )
    assert "connect-bottleneck" not in {s.practice_id for s in plan.steps}
    done = plan.settled("connect-bottleneck")
    assert done is not None
    assert (done.basis, done.observe, done.value) == ("data", "connected_share", 1.0)


def test_a_long_practice_waits_for_a_phase_it_fits_in(catalogue: Any) -> None:
    assert fit_phase(3, 6) == 6
    assert fit_phase(0, 6) == 0
    assert fit_phase(8, 9) == 12
    assert fit_phase(4, 12) == 12
    assert fit_phase(13, 12) is None


def test_a_budget_cap_defers_steps_and_their_dependants(indi: Any, catalogue: Any) -> None:
    result = score(indi, uniform(indi, 0))
    gaps = rank_gaps(
        indi, result, dict.fromkeys([f.id for f in indi.fields()], 3), CompanyProfile()
    )
    free = plan_roadmap(indi, catalogue, result, gaps, size=PlantSize.MEDIUM, start=START)
    capped = plan_roadmap(
        indi, catalogue, result, gaps, size=PlantSize.MEDIUM, start=START, budget=100_000_000
    )
    assert (
        sum(catalogue.practice(s.practice_id).cost_estimate(PlantSize.MEDIUM) for s in capped.steps)
        <= 100_000_000
    )
    assert len(capped.steps) < len(free.steps)
    reasons = {d.reason for d in capped.deferred}
    assert "budget" in reasons
    assert "prerequisite_deferred" in reasons


def test_training_plan_lists_roles_topics_and_head_counts(indi: Any, catalogue: Any) -> None:
    result = score(indi, uniform(indi, 1))
    gaps = rank_gaps(indi, result, suggested_targets(indi, result), CompanyProfile())
    plan = plan_roadmap(indi, catalogue, result, gaps, size=PlantSize.LARGE, start=START)
    needs = training_plan(plan, catalogue)
    roles = {n.role: n for n in needs}
    assert "it_ot_engineer" in roles
    assert all(n.head_count > 0 and n.topics for n in needs)
    assert needs[0].phase == "0-6"


def test_add_months_clamps_to_the_end_of_the_month() -> None:
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 11, 15), 14) == date(2028, 1, 15)
