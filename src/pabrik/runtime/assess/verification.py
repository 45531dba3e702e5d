"""Verification by an assessor: visit notes, adjusted scores, closing, and the audit trail."""

from __future__ import annotations

from dataclasses import replace

from pabrik.assessment.scoring import AnswerError, AnswerIssue, Result, question_score
from pabrik.model.errors import InvalidRequestError
from pabrik.runtime.assess.lifecycle import LOCAL_ACTOR, SELF_ASSESSED, UNDER_VERIFICATION, VERIFIED
from pabrik.runtime.assess.results import Scoring
from pabrik.storage.assessments import AdjustmentRow, AssessmentRow, AuditRow


class Verification(Scoring):
    """The assessor's side of an assessment."""

    def start_verification(self, assessment_id: str, actor: str = LOCAL_ACTOR) -> AssessmentRow:
        """Open the verification of a self-assessed result."""
        actor = self._who(actor)
        row = self.get(assessment_id)
        self._require(row, (SELF_ASSESSED,), "verify")
        return self._set_status(row, UNDER_VERIFICATION, actor)

    def add_visit_note(self, assessment_id: str, note: str, actor: str = LOCAL_ACTOR) -> None:
        """Append an assessor's visit note."""
        actor = self._who(actor)
        row = self.get(assessment_id)
        self._require(row, (UNDER_VERIFICATION,), "add visit notes to")
        text = note.strip()
        if not text:
            raise InvalidRequestError("the note is empty", reason="empty_note")
        stamp = self.clock().strftime("%Y-%m-%d %H:%M UTC")
        notes = (row.visit_notes + "\n" if row.visit_notes else "") + f"[{stamp} {actor}] {text}"
        audit = self._audit(row.id, actor, "visit_note", "", after=text)
        self.store.save_assessment(replace(row, visit_notes=notes[-20000:]), [audit])

    def adjust(
        self,
        assessment_id: str,
        question_id: str,
        new_score: int,
        reason: str,
        actor: str = LOCAL_ACTOR,
    ) -> None:
        """Set an assessor's score for one question; the self-assessed score is kept."""
        actor = self._who(actor)
        row = self.get(assessment_id)
        self._require(row, (UNDER_VERIFICATION,), "adjust")
        model = self.model_of(row)
        question = model.question(question_id)
        if question is None:
            raise AnswerError(model.key, [AnswerIssue(question_id, "unknown_question")])
        if not 0 <= new_score <= model.scale_max or not reason.strip():
            raise InvalidRequestError(
                "an adjustment needs a score on the scale and a reason", reason="bad_adjustment"
            )
        answer = self.answers(assessment_id).get(question_id)
        original = question_score(question, answer.selected, model.scale_max) if answer else 0
        adjustment = AdjustmentRow(
            self.tenant_id,
            row.id,
            question_id,
            original,
            new_score,
            reason.strip()[:2000],
            actor,
            self.clock(),
        )
        before = {
            a.question_id: a.adjusted_score for a in self.store.adjustments(self.tenant_id, row.id)
        }
        audit = self._audit(
            row.id,
            actor,
            "adjust",
            question_id,
            before=before.get(question_id, original),
            after={"score": new_score, "reason": adjustment.reason},
        )
        self.store.save_adjustment(adjustment, [audit])

    def adjustments(self, assessment_id: str) -> list[AdjustmentRow]:
        """The assessor's adjustments."""
        return self.store.adjustments(self.tenant_id, assessment_id)

    def verify(self, assessment_id: str, actor: str = LOCAL_ACTOR) -> Result:
        """Close the verification: re-score with the adjustments and mark verified."""
        actor = self._who(actor)
        row = self.get(assessment_id)
        self._require(row, (UNDER_VERIFICATION,), "close the verification of")
        result = self._score(row, self.model_of(row))
        self._save_result(row, result, VERIFIED, actor)
        self._set_status(row, VERIFIED, actor)
        return result

    def audit(self, assessment_id: str) -> list[AuditRow]:
        """The audit trail of an assessment."""
        self.get(assessment_id)
        return self.store.audit_log(self.tenant_id, assessment_id)
