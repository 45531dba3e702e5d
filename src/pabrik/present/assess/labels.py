"""Message keys for the codes the assessment runtime returns (statuses, reasons, areas...)."""

from __future__ import annotations

from typing import Final

from pabrik.assessment.gaps import Reason
from pabrik.present.i18n import N_, Translator
from pabrik.present.labels import coded

STATUS_KEYS: Final[dict[str, str]] = {
    "draft": N_("assess.status.draft"),
    "self_assessed": N_("assess.status.self_assessed"),
    "under_verification": N_("assess.status.under_verification"),
    "verified": N_("assess.status.verified"),
}

BASIS_KEYS: Final[dict[str, str]] = {
    "self_assessed": N_("assess.basis.self_assessed"),
    "verified": N_("assess.basis.verified"),
    "rescored": N_("assess.basis.rescored"),
}

KPI_AREA_KEYS: Final[dict[str, str]] = {
    "productivity": N_("assess.kpi_area.productivity"),
    "quality": N_("assess.kpi_area.quality"),
    "delivery": N_("assess.kpi_area.delivery"),
    "energy": N_("assess.kpi_area.energy"),
    "safety": N_("assess.kpi_area.safety"),
}

COST_KEYS: Final[dict[str, str]] = {
    "labour": N_("assess.cost.labour"),
    "materials": N_("assess.cost.materials"),
    "energy": N_("assess.cost.energy"),
    "maintenance": N_("assess.cost.maintenance"),
    "quality": N_("assess.cost.quality"),
    "logistics": N_("assess.cost.logistics"),
}

QUADRANT_KEYS: Final[dict[str, str]] = {
    "quick_win": N_("assess.quadrant.quick_win"),
    "major_project": N_("assess.quadrant.major_project"),
    "fill_in": N_("assess.quadrant.fill_in"),
    "reconsider": N_("assess.quadrant.reconsider"),
}

EFFORT_KEYS: Final[dict[str, str]] = {
    "1": N_("assess.effort.low"),
    "2": N_("assess.effort.medium"),
    "3": N_("assess.effort.high"),
}

# Words for a field's score in the one-sentence reason, by whole level (0, 1, 2, 3 and up).
WEAKNESS_KEYS: Final[tuple[str, ...]] = (
    N_("assess.why.very_weak"),
    N_("assess.why.weak"),
    N_("assess.why.moderate"),
    N_("assess.why.strong"),
)
IMPACT_KEYS: Final[tuple[str, str, str]] = (
    N_("assess.why.impact_high"),
    N_("assess.why.impact_medium"),
    N_("assess.why.impact_low"),
)
YES_NO_KEYS: Final[tuple[str, str]] = (N_("assess.observe.yes"), N_("assess.observe.no"))
HIGH_IMPACT = 0.5
MEDIUM_IMPACT = 0.25


def impact_key(impact: float) -> str:
    """The word for a business impact of 0–1: high from ½, medium from ¼, low below."""
    if impact >= HIGH_IMPACT:
        return IMPACT_KEYS[0]
    return IMPACT_KEYS[1] if impact >= MEDIUM_IMPACT else IMPACT_KEYS[2]


SIZE_KEYS: Final[dict[str, str]] = {
    "small": N_("assess.size.small"),
    "medium": N_("assess.size.medium"),
    "large": N_("assess.size.large"),
}

EVIDENCE_KEYS: Final[dict[str, str]] = {
    "agrees": N_("assess.evidence.agrees"),
    "differs": N_("assess.evidence.differs"),
    "contradicts": N_("assess.evidence.contradicts"),
    "no_answer": N_("assess.evidence.no_answer"),
}

OBSERVATION_KEYS: Final[dict[str, str]] = {
    "connected_share": N_("assess.observe.connected_share"),
    "oee_auto_share": N_("assess.observe.oee_auto_share"),
    "data_recency": N_("assess.observe.data_recency"),
    "alarm_share": N_("assess.observe.alarm_share"),
    "maintenance_kpis": N_("assess.observe.maintenance_kpis"),
    "history_days": N_("assess.observe.history_days"),
}

DEFERRED_KEYS: Final[dict[str, str]] = {
    "budget": N_("assess.deferred.budget"),
    "beyond_horizon": N_("assess.deferred.beyond_horizon"),
    "prerequisite_deferred": N_("assess.deferred.prerequisite_deferred"),
}

ISSUE_KEYS: Final[dict[str, str]] = {
    "missing": N_("assess.issue.missing"),
    "unknown_question": N_("assess.issue.unknown_question"),
    "unknown_option": N_("assess.issue.unknown_option"),
    "single_choice": N_("assess.issue.single_choice"),
    "duplicate_answer": N_("assess.issue.duplicate_answer"),
    "adjustment_out_of_scale": N_("assess.issue.adjustment_out_of_scale"),
}

ACTION_KEYS: Final[dict[str, str]] = {
    "create": N_("assess.audit.create"),
    "answer": N_("assess.audit.answer"),
    "score": N_("assess.audit.score"),
    "status": N_("assess.audit.status"),
    "visit_note": N_("assess.audit.visit_note"),
    "adjust": N_("assess.audit.adjust"),
    "targets": N_("assess.audit.targets"),
    "attach": N_("assess.audit.attach"),
    "ranking": N_("assess.audit.ranking"),
    "delete": N_("assess.audit.delete"),
}

PHASE_KEYS: Final[dict[str, str]] = {
    "0-6": N_("assess.roadmap.phase_0_6"),
    "6-12": N_("assess.roadmap.phase_6_12"),
    "12-24": N_("assess.roadmap.phase_12_24"),
}

ERROR_KEYS: Final[dict[str, str]] = {
    "answers_invalid": N_("assess.error.answers_invalid"),
    "attachment_rejected": N_("assess.error.attachment_rejected"),
}

ERROR_REASON_KEYS: Final[dict[str, str]] = {
    "bad_status": N_("assess.error.bad_status"),
    "not_scored": N_("assess.error.not_scored"),
    "bad_target": N_("assess.error.bad_target"),
    "bad_profile": N_("assess.error.bad_profile"),
    "bad_budget": N_("assess.error.bad_budget"),
    "bad_order": N_("assess.error.bad_order"),
    "bad_format": N_("assess.error.bad_format"),
    "bad_adjustment": N_("assess.error.bad_adjustment"),
    "empty_note": N_("assess.error.empty_note"),
}

# What the roadmap form says about a budget or start date it cannot use.
PLAN_INPUT_KEYS: Final[dict[str, str]] = {
    "bad_budget": N_("assess.plan.bad_budget"),
    "negative_budget": N_("assess.plan.negative_budget"),
    "bad_start": N_("assess.plan.bad_start"),
}

ATTACHMENT_REASON_KEYS: Final[dict[str, str]] = {
    "type": N_("assess.error.attachment_type"),
    "size": N_("assess.error.attachment_size"),
    "content": N_("assess.error.attachment_content"),
}


def reason_text(t: Translator, reason: Reason, field_name: str = "") -> str:
    """A prioritisation reason as a sentence in the translator's language."""
    if reason.code == "gap_size":
        return t.gettext("assess.reason.gap_size") % {"size": reason.param("size")}
    if reason.code == "kpi":
        return t.gettext("assess.reason.kpi") % {
            "area": coded(t, KPI_AREA_KEYS, reason.param("area"))
        }
    if reason.code == "cost":
        return t.gettext("assess.reason.cost") % {
            "cost": coded(t, COST_KEYS, reason.param("cost")),
            "share": reason.param("share"),
        }
    if reason.code == "effort":
        return t.gettext("assess.reason.effort") % {
            "effort": coded(t, EFFORT_KEYS, reason.param("effort"))
        }
    return field_name or reason.code
