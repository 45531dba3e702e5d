"""Scoring: submitting, re-scoring, the stored results and the company's history."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from pabrik.assessment.model import AssessmentModel
from pabrik.assessment.scoring import Result, Trend, score, trend
from pabrik.model.errors import InvalidRequestError
from pabrik.runtime.assess.codec import fraction_text, result_from_data, result_json
from pabrik.runtime.assess.lifecycle import (
    ANSWERS_EDITABLE,
    LOCAL_ACTOR,
    SELF_ASSESSED,
    AssessmentLifecycle,
)
from pabrik.storage.assessments import AssessmentRow, ResultRow


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One scored assessment in a company's history, with its trend against the one before."""

    assessment: AssessmentRow
    result: Result
    trend: Trend | None


@dataclass(frozen=True, slots=True)
class ScoredSnapshot:
    """A stored result with how it was produced."""

    basis: str
    scored_at: datetime
    result: Result


class Scoring(AssessmentLifecycle):
    """Scores of an assessment and of the company's assessments over time."""

    def _score(self, row: AssessmentRow, model: AssessmentModel) -> Result:
        adjustments = {
            a.question_id: a.adjusted_score for a in self.store.adjustments(self.tenant_id, row.id)
        }
        return score(model, self.answers(row.id), adjustments)

    def _save_result(self, row: AssessmentRow, result: Result, basis: str, actor: str) -> None:
        overall = fraction_text(result.overall)
        result_row = ResultRow(
            self.tenant_id,
            row.id,
            result.model_id,
            result.model_version,
            basis,
            overall,
            float(result.overall),
            result.level,
            result_json(result),
            self.clock(),
        )
        audit = self._audit(
            row.id,
            actor,
            "score",
            result.model_key,
            after={
                "basis": basis,
                "overall": overall,
                "level": result.level,
            },
        )
        self.store.save_result(result_row, [audit])

    def submit(self, assessment_id: str, actor: str = LOCAL_ACTOR) -> Result:
        """Score a complete self-assessment and mark it self-assessed."""
        actor = self._who(actor)
        row = self.get(assessment_id)
        self._require(row, ANSWERS_EDITABLE, "submit")
        result = self._score(row, self.model_of(row))
        self._save_result(row, result, SELF_ASSESSED, actor)
        self._set_status(row, SELF_ASSESSED, actor)
        return result

    def snapshots(self, assessment_id: str) -> list[ScoredSnapshot]:
        """Every stored result of an assessment, oldest first."""
        return [
            ScoredSnapshot(r.basis, r.scored_at, result_from_data(json.loads(r.result_json)))
            for r in self.store.results(self.tenant_id, assessment_id)
        ]

    def result(self, assessment_id: str) -> Result | None:
        """The newest result under the assessment's own model version."""
        row = self.get(assessment_id)
        own = [
            s.result
            for s in self.snapshots(assessment_id)
            if (s.result.model_id, s.result.model_version) == (row.model_id, row.model_version)
        ]
        return own[-1] if own else None

    def require_result(self, assessment_id: str) -> Result:
        """The current result, or an error telling that the assessment is not scored yet."""
        result = self.result(assessment_id)
        if result is None:
            raise InvalidRequestError(
                "the assessment has not been submitted yet", reason="not_scored"
            )
        return result

    def rescore(self, assessment_id: str, version: int, actor: str = LOCAL_ACTOR) -> Result:
        """Score the same answers under another version of the model, keeping the old result."""
        actor = self._who(actor)
        row = self.get(assessment_id)
        model = self.registry.get(row.model_id, version)
        result = self._score(row, model)
        self._save_result(row, result, "rescored", actor)
        return result

    def history(self) -> list[HistoryEntry]:
        """Scored assessments of the company, oldest first, each with its trend.

        A trend compares only assessments of the same model: a Korean-profile score is never
        measured against an INDI 4.0 one.
        """
        entries: list[HistoryEntry] = []
        previous: dict[str, Result] = {}
        for row in self.store.assessments(self.tenant_id, self.company().id):
            result = self.result(row.id)
            if result is None:
                continue
            entries.append(HistoryEntry(row, result, trend(result, previous.get(row.model_id))))
            previous[row.model_id] = result
        return entries

    def previous_result(self, assessment_id: str) -> Result | None:
        """The result of the scored assessment before this one, of the same model."""
        row = self.get(assessment_id)
        earlier = [
            e
            for e in self.history()
            if e.assessment.created_at < row.created_at and e.assessment.model_id == row.model_id
        ]
        return earlier[-1].result if earlier else None
