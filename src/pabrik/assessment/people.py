"""The skills a roadmap needs: roles, training topics and head counts, by first phase."""

from __future__ import annotations

from dataclasses import dataclass

from pabrik.assessment.catalogue import Catalogue
from pabrik.assessment.roadmap import PHASES, Roadmap


@dataclass(frozen=True, slots=True)
class TrainingNeed:
    """One role to train: the topics, how many people, and the phase it is first needed in."""

    role: str
    topics: tuple[str, ...]
    head_count: int
    phase: str
    practices: tuple[str, ...]


def training_plan(roadmap: Roadmap, catalogue: Catalogue) -> list[TrainingNeed]:
    """Training needs per role from the roadmap's steps, earliest phase first."""
    order = [name for name, _, _ in PHASES]
    topics: dict[str, set[str]] = {}
    heads: dict[str, int] = {}
    phase: dict[str, str] = {}
    uses: dict[str, list[str]] = {}
    for step in roadmap.steps:
        practice = catalogue.practice(step.practice_id)
        if practice is None:
            continue
        for skill in practice.skills:
            topics.setdefault(skill.role, set()).update(skill.topics)
            # The same people are trained once, so a role needs as many as its largest step.
            heads[skill.role] = max(heads.get(skill.role, 0), skill.head_count(roadmap.size))
            first = phase.get(skill.role, step.phase)
            phase[skill.role] = min(first, step.phase, key=order.index)
            uses.setdefault(skill.role, []).append(practice.id)
    needs = [
        TrainingNeed(role, tuple(sorted(topics[role])), heads[role], phase[role], tuple(uses[role]))
        for role in topics
    ]
    return sorted(needs, key=lambda n: (order.index(n.phase), -n.head_count, n.role))
