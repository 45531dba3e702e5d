"""Gap analysis and a SIRI-style prioritisation: the weakest fields first, then impact and effort.

priority = 2 × weakness + impact − ½ × effort cost, where weakness = (top − score) ÷ top,
impact is the company-weighted KPI impact (0–1) and effort cost = (effort − 1) ÷ 2 (0–1).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from fractions import Fraction

from pabrik.assessment.model import KPI_AREAS, AssessmentModel, Field
from pabrik.assessment.scoring import Result
from pabrik.model.errors import InvalidRequestError

COST_AREAS = ("labour", "materials", "energy", "maintenance", "quality", "logistics")
# Which KPI area a cost area shows up in: a plant whose costs sit in energy cares about energy.
COST_TO_KPI: Mapping[str, str] = {
    "labour": "productivity",
    "maintenance": "productivity",
    "materials": "quality",
    "quality": "quality",
    "logistics": "delivery",
    "energy": "energy",
}
MAX_PRIORITY = 3
MAX_IMPACT = 3
HIGH_IMPACT = Fraction(1, 2)
NOTABLE_COST_SHARE = Fraction(1, 5)
# The weakest field leads: one level of weakness (¼ of the scale, weight 2) is worth half the
# whole impact range, and the full effort range costs as much as half of impact.
WEAKNESS_WEIGHT = Fraction(2)
IMPACT_WEIGHT = Fraction(1)
EFFORT_WEIGHT = Fraction(1, 2)


@dataclass(frozen=True, slots=True)
class CompanyProfile:
    """Where a company's costs sit and which KPI areas matter most to it (0–3)."""

    priorities: Mapping[str, int] = field(default_factory=dict)
    cost_shares: Mapping[str, Fraction] = field(default_factory=dict)

    def kpi_weights(self) -> dict[str, Fraction]:
        """Weight per KPI area: stated priority plus three times the share of costs behind it."""
        weights = {a: Fraction(self.priorities.get(a, 0)) for a in KPI_AREAS}
        total = sum(self.cost_shares.values(), Fraction(0))
        if total > 0:
            for cost, share in self.cost_shares.items():
                kpi = COST_TO_KPI.get(cost)
                if kpi is not None:
                    weights[kpi] += 3 * share / total
        if not any(weights.values()):
            return dict.fromkeys(KPI_AREAS, Fraction(1))
        return weights


def check_profile(profile: CompanyProfile) -> None:
    """Reject priorities outside 0–3, unknown areas and negative cost shares."""
    for area, value in profile.priorities.items():
        if area not in KPI_AREAS or not 0 <= value <= MAX_PRIORITY:
            raise InvalidRequestError(
                f"priority {area}={value} is not a KPI area rated 0–3", reason="bad_profile"
            )
    for cost, share in profile.cost_shares.items():
        if cost not in COST_AREAS or share < 0:
            raise InvalidRequestError(
                f"cost share {cost}={share} is not a known cost area ≥ 0", reason="bad_profile"
            )


@dataclass(frozen=True, slots=True)
class Reason:
    """One reason a gap ranks where it does, as a code with parameters for the text."""

    code: str
    params: tuple[tuple[str, str], ...] = ()

    def param(self, name: str) -> str:
        """One parameter's value."""
        return dict(self.params).get(name, "")


@dataclass(frozen=True, slots=True)
class Gap:
    """A field below its target, scored for prioritisation."""

    field_id: str
    current: Fraction
    current_level: int
    target: int
    size: Fraction
    impact: Fraction
    effort: int
    priority: Fraction
    quadrant: str
    reasons: tuple[Reason, ...]
    weakness: Fraction = Fraction(0)
    computed_rank: int = 0
    pinned: bool = False


def suggested_targets(model: AssessmentModel, result: Result) -> dict[str, int]:
    """One level above today's level for every field, capped at the top of the scale."""
    return {f.field_id: min(f.level + 1, model.scale_max) for f in result.fields}


def check_targets(model: AssessmentModel, targets: Mapping[str, int]) -> None:
    """Reject targets for unknown fields or outside the scale."""
    for field_id, target in targets.items():
        if model.field(field_id) is None:
            raise InvalidRequestError(f"unknown field '{field_id}'", reason="bad_target")
        if not 0 <= target <= model.scale_max:
            raise InvalidRequestError(
                f"target {target} for '{field_id}' is outside 0–{model.scale_max}",
                reason="bad_target",
            )


def business_impact(f: Field, weights: Mapping[str, Fraction]) -> Fraction:
    """How much the company's weighted KPI areas gain from this field, from 0 to 1."""
    top = sum((MAX_IMPACT * w for w in weights.values()), Fraction(0))
    if top == 0:
        return Fraction(0)
    return sum((f.impact.get(a) * w for a, w in weights.items()), Fraction(0)) / top


def quadrant(impact: Fraction, effort: int) -> str:
    """The cell of the prioritisation matrix: impact high/low against effort low/high."""
    high = impact >= HIGH_IMPACT
    if effort <= 2:
        return "quick_win" if high else "fill_in"
    return "major_project" if high else "reconsider"


def rank_gaps(
    model: AssessmentModel,
    result: Result,
    targets: Mapping[str, int],
    profile: CompanyProfile,
) -> list[Gap]:
    """Every field below its target, highest priority first; ties go by field id."""
    check_targets(model, targets)
    weights = profile.kpi_weights()
    gaps: list[Gap] = []
    for fs in result.fields:
        target = targets.get(fs.field_id)
        f = model.field(fs.field_id)
        if target is None or f is None or fs.score >= target:
            continue
        size = target - fs.score
        impact = business_impact(f, weights)
        weakness = (model.scale_max - fs.score) / model.scale_max
        priority = priority_of(weakness, impact, f.effort)
        gaps.append(
            Gap(
                field_id=f.id,
                current=fs.score,
                current_level=fs.level,
                target=target,
                size=size,
                impact=impact,
                effort=f.effort,
                priority=priority,
                quadrant=quadrant(impact, f.effort),
                reasons=_reasons(f, size, weights, profile),
                weakness=weakness,
            )
        )
    ranked = sorted(gaps, key=lambda g: (-g.priority, g.field_id))
    return [replace(g, computed_rank=i) for i, g in enumerate(ranked, start=1)]


def priority_of(weakness: Fraction, impact: Fraction, effort: int) -> Fraction:
    """The ranking formula: weakness first, impact adds, effort subtracts (see docs)."""
    effort_cost = Fraction(effort - 1, 2)
    return WEAKNESS_WEIGHT * weakness + IMPACT_WEIGHT * impact - EFFORT_WEIGHT * effort_cost


def apply_pins(gaps: list[Gap], pins: Mapping[str, int]) -> list[Gap]:
    """The consultant's order: pinned fields at their ranks (1-based), the rest as computed."""
    pinned = {g.field_id: g for g in gaps if g.field_id in pins}
    rest = [g for g in gaps if g.field_id not in pinned]
    order: list[Gap] = []
    for field_id in sorted(pinned, key=lambda k: (pins[k], k)):
        # Fill with computed gaps up to the pinned position, then place the pinned one.
        while rest and len(order) < pins[field_id] - 1:
            order.append(rest.pop(0))
        order.append(replace(pinned[field_id], pinned=True))
    return order + rest


def moved(gaps: list[Gap], field_id: str, step: int) -> list[str]:
    """The field order after moving one field ``step`` places (negative: up)."""
    ids = [g.field_id for g in gaps]
    if field_id not in ids:
        raise InvalidRequestError(f"no gap for field '{field_id}'", reason="bad_order")
    i = ids.index(field_id)
    j = max(0, min(len(ids) - 1, i + step))
    ids.insert(j, ids.pop(i))
    return ids


def _reasons(
    f: Field, size: Fraction, weights: Mapping[str, Fraction], profile: CompanyProfile
) -> tuple[Reason, ...]:
    reasons = [Reason("gap_size", (("size", f"{float(size):.2f}"),))]
    contributions = sorted(
        ((f.impact.get(a) * weights[a], a) for a in KPI_AREAS if f.impact.get(a) and weights[a]),
        key=lambda c: (-c[0], c[1]),
    )
    reasons += [Reason("kpi", (("area", area),)) for _, area in contributions[:2]]
    total = sum(profile.cost_shares.values(), Fraction(0))
    for cost in COST_AREAS:
        share = profile.cost_shares.get(cost, Fraction(0))
        kpi = COST_TO_KPI[cost]
        if total and share / total >= NOTABLE_COST_SHARE and f.impact.get(kpi) >= 2:
            reasons.append(
                Reason("cost", (("cost", cost), ("share", f"{float(share / total):.0%}")))
            )
    reasons.append(Reason("effort", (("effort", str(f.effort)),)))
    return tuple(reasons)
