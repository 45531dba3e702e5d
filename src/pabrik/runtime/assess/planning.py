"""Planning from a result: plant evidence, targets, ranked gaps, the roadmap and training."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from datetime import date

from pabrik.assessment.evidence import Proposal, propose
from pabrik.assessment.gaps import (
    Gap,
    apply_pins,
    check_targets,
    moved,
    rank_gaps,
    suggested_targets,
)
from pabrik.assessment.people import TrainingNeed, training_plan
from pabrik.assessment.roadmap import Roadmap, plan_roadmap
from pabrik.model.errors import InvalidRequestError
from pabrik.runtime.assess.lifecycle import LOCAL_ACTOR, AssessmentRecord
from pabrik.runtime.assess.results import Scoring

RANKING_ACTIONS = ("up", "down", "pin", "unpin")


class Planning(Scoring):
    """What to do next, given where an assessment stands."""

    def evidence(self, assessment_id: str) -> list[Proposal]:
        """Answers proposed from plant data beside the self-reported ones."""
        row = self.get(assessment_id)
        observation = self.observation()
        if observation is None or observation.machines == 0:
            return []
        return propose(self.model_of(row), observation, self.answers(assessment_id))

    def targets(self, assessment_id: str) -> dict[str, int]:
        """Target level per field: the company's own where set, the suggested one elsewhere."""
        row = self.get(assessment_id)
        model = self.model_of(row)
        chosen = {k: int(v) for k, v in json.loads(row.targets_json or "{}").items()}
        return suggested_targets(model, self.require_result(assessment_id)) | chosen

    def set_targets(
        self, assessment_id: str, targets: Mapping[str, int], actor: str = LOCAL_ACTOR
    ) -> None:
        """Set target levels for some fields."""
        actor = self._who(actor)
        row = self.get(assessment_id)
        check_targets(self.model_of(row), targets)
        before = json.loads(row.targets_json or "{}")
        merged = before | {k: int(v) for k, v in targets.items()}
        audit = self._audit(row.id, actor, "targets", "", before=before, after=merged)
        updated = replace(row, targets_json=json.dumps(merged, sort_keys=True))
        self.store.save_assessment(updated, [audit])

    def pins(self, assessment_id: str) -> dict[str, int]:
        """The consultant's pinned ranks, by field."""
        row = self.get(assessment_id)
        return {k: int(v) for k, v in json.loads(row.ranking_json or "{}").items()}

    def computed_gaps(self, assessment_id: str) -> list[Gap]:
        """Ranked gaps by the formula alone, before the consultant's pins."""
        row = self.get(assessment_id)
        model = self.model_of(row)
        result = self.require_result(assessment_id)
        return rank_gaps(model, result, self.targets(assessment_id), self.company().profile)

    def gaps(self, assessment_id: str) -> list[Gap]:
        """Ranked gaps against the targets, weighted by the profile, with the pins applied."""
        return apply_pins(self.computed_gaps(assessment_id), self.pins(assessment_id))

    def reorder(
        self, assessment_id: str, field_id: str, action: str, actor: str = LOCAL_ACTOR
    ) -> dict[str, int]:
        """Move a gap up or down (it stays pinned there), pin it where it is, or unpin it."""
        actor = self._who(actor)
        if action not in RANKING_ACTIONS:
            raise InvalidRequestError(f"unknown action '{action}'", reason="bad_order")
        row = self.get(assessment_id)
        before = self.pins(assessment_id)
        gaps = self.gaps(assessment_id)
        step = {"up": -1, "down": 1}.get(action, 0)
        order = moved(gaps, field_id, step)
        after = dict(before)
        if action == "unpin":
            after.pop(field_id, None)
        else:
            # Pinned neighbours keep the places they now have, so a move never undoes a pin.
            after = {f: order.index(f) + 1 for f in {*before, field_id} if f in order}
        self._save_pins(row, before, after, actor, field_id)
        return after

    def _save_pins(
        self,
        row: AssessmentRecord,
        before: dict[str, int],
        after: dict[str, int],
        actor: str,
        field_id: str,
    ) -> None:
        audit = self._audit(row.id, actor, "ranking", field_id, before=before, after=after)
        updated = replace(row, ranking_json=json.dumps(after, sort_keys=True))
        self.store.save_assessment(updated, [audit])

    def assessment_date(self, assessment_id: str) -> date:
        """The day the assessment was started, in the plant's zone."""
        return self.get(assessment_id).created_at.astimezone(self.timezone).date()

    def roadmap(
        self, assessment_id: str, *, budget: int | None = None, start: date | None = None
    ) -> Roadmap:
        """A phased roadmap for the ranked gaps, within an optional budget (rupiah)."""
        if budget is not None and budget < 0:
            raise InvalidRequestError("the budget must not be negative", reason="bad_budget")
        row = self.get(assessment_id)
        return plan_roadmap(
            self.model_of(row),
            self.catalogue,
            self.require_result(assessment_id),
            self.gaps(assessment_id),
            size=self.company().size,
            start=start or self.assessment_date(assessment_id),
            budget=budget,
            observation=self.observation(),
        )

    def training(self, roadmap: Roadmap) -> list[TrainingNeed]:
        """Roles, topics and head counts the roadmap needs."""
        return training_plan(roadmap, self.catalogue)
