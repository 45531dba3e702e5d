"""Planning from a result: plant evidence, targets, ranked gaps, the roadmap and training."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from datetime import date

from pabrik.assessment.evidence import Proposal, propose
from pabrik.assessment.gaps import Gap, check_targets, rank_gaps, suggested_targets
from pabrik.assessment.people import TrainingNeed, training_plan
from pabrik.assessment.roadmap import Roadmap, plan_roadmap
from pabrik.model.errors import InvalidRequestError
from pabrik.runtime.assess.lifecycle import LOCAL_ACTOR
from pabrik.runtime.assess.results import Scoring


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

    def gaps(self, assessment_id: str) -> list[Gap]:
        """Ranked gaps against the targets, weighted by the company's profile."""
        row = self.get(assessment_id)
        model = self.model_of(row)
        result = self.require_result(assessment_id)
        return rank_gaps(model, result, self.targets(assessment_id), self.company().profile)

    def roadmap(
        self, assessment_id: str, *, budget: int | None = None, start: date | None = None
    ) -> Roadmap:
        """A phased roadmap for the ranked gaps, within an optional budget (rupiah)."""
        if budget is not None and budget < 0:
            raise InvalidRequestError("the budget must not be negative", reason="bad_budget")
        row = self.get(assessment_id)
        model = self.model_of(row)
        result = self.require_result(assessment_id)
        return plan_roadmap(
            model,
            self.catalogue,
            result,
            self.gaps(assessment_id),
            size=self.company().size,
            start=start or self.clock().date(),
            budget=budget,
        )

    def training(self, roadmap: Roadmap) -> list[TrainingNeed]:
        """Roles, topics and head counts the roadmap needs."""
        return training_plan(roadmap, self.catalogue)
