from __future__ import annotations

import copy
from typing import Any

import pytest

from pabrik.assessment.catalogue import find_cycle, parse_catalogue
from pabrik.assessment.loader import parse_model
from pabrik.model.errors import ConfigError
from tests.assessment.sources import raw


def messages(err: ConfigError) -> list[str]:
    return [str(i) for i in err.issues]


def test_indi40_has_five_pillars_seventeen_fields_and_official_level_labels(indi: Any) -> None:
    assert [p.id for p in indi.pillars] == [
        "management",
        "people",
        "products",
        "technology",
        "operations",
    ]
    assert len(indi.fields()) == 17
    assert [len(p.fields) for p in indi.pillars] == [3, 3, 3, 4, 4]
    assert [lv.label.id for lv in indi.levels] == [
        "Belum siap",
        "Kesiapan awal",
        "Kesiapan sedang",
        "Kesiapan matang",
        "Sudah menerapkan",
    ]
    assert [int(p.weight) for p in indi.pillars] == [25, 30, 15, 15, 15]
    assert indi.weights.official is False
    assert "marcaroon/indi40" in indi.weights.source
    assert indi.key == "indi40@1"
    assert indi.pillar("management").name.id == "Manajemen dan Organisasi"
    assert indi.field("cyber_security").name.id == "Keamanan cyber"


def test_every_indi_option_has_help_in_both_languages(indi: Any) -> None:
    for q in indi.questions:
        assert q.text.id
        assert q.text.en
        for o in q.options:
            assert o.help is not None, (q.id, o.id)
            assert o.help.id != o.help.en, (q.id, o.id)
            assert o.help.en, (q.id, o.id)


def test_korean_profile_has_the_thousand_point_structure(korea: Any) -> None:
    assert [int(p.weight) for p in korea.pillars] == [100, 400, 400, 100]
    assert len(korea.fields()) == 10
    assert korea.points.total == 1000
    assert korea.points.official is False
    assert [lv.label.en for lv in korea.points.capability_levels] == [
        "Checking (점검)",
        "Monitoring (모니터링)",
        "Analysis (분석)",
        "Optimisation (최적화)",
        "Autonomous (자율운영)",
    ]
    assert [lv.label.en for lv in korea.levels] == [
        "ICT not applied (ICT 미적용)",
        "Basic (기초)",
        "Intermediate 1 (중간1)",
        "Intermediate 2 (중간2)",
        "Advanced (고도)",
    ]
    # The Korean levels in their own words, beside Indonesian and English.
    korean = ["ICT 미적용", "기초", "중간1", "중간2", "고도"]
    assert [lv.label.get("ko") for lv in korea.levels] == korean
    assert korea.levels[1].label.get("id") == "Dasar (기초)"
    assert [a.id for a in korea.system_areas] == [
        "field_automation",
        "factory_operations",
        "enterprise_resources",
        "product_development",
        "supply_chain",
    ]


def test_catalogue_has_sixty_practices_with_costs_skills_and_sources(catalogue: Any) -> None:
    assert len(catalogue.practices) >= 60
    for p in catalogue.practices:
        assert p.fields
        assert 1 <= p.level <= 4
        assert all(low <= high for low, high in p.cost)
        assert p.skills, p.id
        assert p.owner in catalogue.roles
        assert p.kpi in catalogue.kpis
    cited = [b for p in catalogue.practices for b in p.benefits if b.source == "kr-mss-2019"]
    assert cited
    assert catalogue.sources["kr-mss-2019"].kind == "government_reported"
    assert "5,003" in catalogue.sources["kr-mss-2019"].citation
    assert any(p.feature for p in catalogue.practices if p.id == "connect-bottleneck")


def bad_model(change: Any) -> list[str]:
    data = copy.deepcopy(raw("indi40-v1"))
    change(data)
    with pytest.raises(ConfigError) as err:
        parse_model(data, "bad.yaml")
    assert err.value.source == "bad.yaml"
    return messages(err.value)


def test_a_missing_field_is_named_by_its_path() -> None:
    found = bad_model(lambda d: d["questions"][0].pop("text"))
    assert "questions[0].text: missing required field" in found


def test_a_duplicate_question_id_is_rejected() -> None:
    def dup(d: dict[str, Any]) -> None:
        d["questions"][1]["id"] = d["questions"][0]["id"]

    assert "questions[1].id: duplicate question id 'strategy.plan'" in bad_model(dup)


def test_pillar_weights_that_sum_to_zero_are_rejected() -> None:
    def zero(d: dict[str, Any]) -> None:
        for p in d["pillars"]:
            p["weight"] = 0

    assert "pillars: the pillar weights sum to zero" in bad_model(zero)


def test_an_option_score_outside_zero_to_four_is_rejected() -> None:
    def high(d: dict[str, Any]) -> None:
        d["questions"][0]["options"][4]["score"] = 5

    assert "questions[0].options[4].score: 5 is outside 0–4" in bad_model(high)


def test_a_level_outside_zero_to_four_is_rejected() -> None:
    def extra(d: dict[str, Any]) -> None:
        d["levels"][4]["value"] = 7

    found = bad_model(extra)
    assert "levels[4].value: 7 is outside 0–4" in found


def test_a_question_about_an_unknown_field_is_rejected() -> None:
    found = bad_model(lambda d: d["questions"][0].update(field="nowhere"))
    assert "questions[0].field: unknown field 'nowhere'" in found


def test_every_problem_is_reported_at_once() -> None:
    def many(d: dict[str, Any]) -> None:
        d["questions"][0].pop("text")
        d["questions"][2]["options"][0]["score"] = -1
        d["pillars"][0]["fields"][0].pop("name")

    assert len(bad_model(many)) == 3


def test_a_prerequisite_cycle_is_rejected_and_named() -> None:
    data = copy.deepcopy(raw("practices-v1"))
    first = next(p for p in data["practices"] if p["id"] == "appoint-champion")
    first["prerequisites"] = ["digital-roadmap"]
    with pytest.raises(ConfigError) as err:
        parse_catalogue(data, "cat.yaml")
    text = "\n".join(messages(err.value))
    assert (
        "prerequisite cycle: appoint-champion → digital-roadmap → readiness-baseline"
        " → appoint-champion"
    ) in text


def test_unknown_prerequisites_fields_and_duplicates_are_rejected() -> None:
    data = copy.deepcopy(raw("practices-v1"))
    data["practices"][0]["prerequisites"] = ["no-such-practice"]
    data["practices"][1]["id"] = data["practices"][2]["id"]
    data["practices"][3]["fields"] = ["teleportation"]
    with pytest.raises(ConfigError) as err:
        parse_catalogue(data, "cat.yaml", field_ids={"strategy_leadership", "investment"})
    text = "\n".join(messages(err.value))
    assert "practices[0].prerequisites: unknown practice 'no-such-practice'" in text
    assert "duplicate practice id" in text
    assert "practices[3].fields: unknown field 'teleportation'" in text


def test_find_cycle_returns_nothing_for_a_dag() -> None:
    assert find_cycle({"a": ("b",), "b": ("c",), "c": ()}) == []
    assert find_cycle({"a": ("b",), "b": ("a",)}) == ["a", "b", "a"]
