from __future__ import annotations

from datetime import date
from fractions import Fraction
from typing import Any

import pytest

from pabrik.assessment.catalogue import PlantSize
from pabrik.assessment.gaps import CompanyProfile, check_profile, rank_gaps, suggested_targets
from pabrik.assessment.people import training_plan
from pabrik.assessment.roadmap import add_months, plan_roadmap
from pabrik.assessment.scoring import score
from pabrik.model.errors import InvalidRequestError
from tests.assessment.answers import MIXED, by_score, uniform

START = date(2026, 1, 15)


def mixed(indi: Any) -> Any:
    return score(indi, by_score(indi, MIXED, 2))


def test_golden_gap_ranking_with_suggested_targets_and_no_profile(indi: Any) -> None:
    result = mixed(indi)
    gaps = rank_gaps(indi, result, suggested_targets(indi, result), CompanyProfile())
    assert [g.field_id for g in gaps] == [
        "data_storage_sharing",
        "competence",
        "connectivity",
        "smart_maintenance",
        "digitalisation",
        "strategy_leadership",
        "culture",
        "innovation_policy",
        "openness_to_change",
        "smart_supply_chain",
        "autonomous_processes",
        "smart_machines",
        "data_services",
        "product_customisation",
        "smart_products",
        "investment",
    ]
    first = gaps[0]
    assert (first.size, first.impact, first.effort) == (1, Fraction(7, 15), 1)
    assert first.priority == Fraction(29, 15)
    assert first.quadrant == "fill_in"
    assert [r.code for r in first.reasons] == ["gap_size", "kpi", "kpi", "effort"]
    assert "cyber_security" not in {g.field_id for g in gaps}


def test_the_company_profile_reorders_the_gaps(indi: Any) -> None:
    result = mixed(indi)
    targets = suggested_targets(indi, result)
    energy = CompanyProfile({"energy": 3}, {"energy": Fraction(60), "labour": Fraction(40)})
    gaps = rank_gaps(indi, result, targets, energy)
    ranked = [g.field_id for g in gaps]
    assert ranked[:2] == ["data_storage_sharing", "connectivity"]
    assert ranked.index("smart_machines") < ranked.index("culture")
    machines = next(g for g in gaps if g.field_id == "smart_machines")
    assert [(r.code, r.params) for r in machines.reasons] == [
        ("gap_size", (("size", "1.00"),)),
        ("kpi", (("area", "energy"),)),
        ("kpi", (("area", "productivity"),)),
        ("cost", (("cost", "labour"), ("share", "40%"))),
        ("cost", (("cost", "energy"), ("share", "60%"))),
        ("effort", (("effort", "3"),)),
    ]


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
        ("data-retention-policy", 0, 1),
        ("downtime-reason-codes", 0, 1),
        ("data-analysis-training", 0, 3),
        ("automatic-counts", 1, 4),
        ("training-plan-yearly", 1, 2),
        ("digital-shift-records", 2, 4),
        ("cmms", 3, 7),
        ("oee-dashboard", 4, 5),
        ("erp-production-link", 4, 8),
        ("shopfloor-dashboards", 5, 6),
    ]
    assert plan.steps[0].due == date(2026, 2, 15)
    assert plan.steps[0].owner == "it_ot_engineer"
    assert "connect-bottleneck" in plan.in_place
    assert {s.phase for s in plan.steps} <= {"0-6", "6-12", "12-24"}
    assert plan.cost[0] <= plan.cost[1]


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
