"""Answering the questionnaire: validated, normalised answers and the wizard's progress."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from pabrik.assessment.model import AssessmentModel
from pabrik.assessment.scoring import Answer, AnswerError, AnswerIssue, check_answers, normalise
from pabrik.runtime.assess.codec import selection_json
from pabrik.runtime.assess.lifecycle import ANSWERS_EDITABLE, LOCAL_ACTOR, AssessmentLifecycle
from pabrik.storage.assessments import AnswerRow, AuditRow


@dataclass(frozen=True, slots=True)
class Progress:
    """How many required questions are answered."""

    answered: int
    required: int
    total: int

    @property
    def percent(self) -> int:
        """Answered share of required questions, in whole percent."""
        return 100 if not self.required else round(100 * self.answered / self.required)


class AnswerSheet(AssessmentLifecycle):
    """Saving answers and telling how far the questionnaire is."""

    def save_answers(
        self, assessment_id: str, answers: Sequence[Answer], actor: str = LOCAL_ACTOR
    ) -> dict[str, Answer]:
        """Save some answers (an empty selection clears one); every problem is reported at once."""
        actor = self._who(actor)
        row = self.get(assessment_id)
        self._require(row, ANSWERS_EDITABLE, "change answers of")
        model = self.model_of(row)
        issues = self._answer_issues(model, answers)
        if issues:
            raise AnswerError(model.key, issues)
        before = self.answers(assessment_id)
        now = self.clock()
        rows: list[AnswerRow] = []
        audit: list[AuditRow] = []
        for a in answers:
            q = model.question(a.question_id)
            assert q is not None
            kept = before.get(a.question_id)
            clean = Answer(
                a.question_id,
                normalise(q, a.selected),
                a.note.strip()[:4000],
                a.attachment_id or (kept.attachment_id if kept else None),
            )
            if kept == clean:
                continue
            rows.append(
                AnswerRow(
                    self.tenant_id,
                    row.id,
                    q.id,
                    selection_json(clean),
                    clean.note,
                    clean.attachment_id,
                    actor,
                    now,
                )
            )
            audit.append(
                self._audit(
                    row.id,
                    actor,
                    "answer",
                    q.id,
                    before=list(kept.selected) if kept else None,
                    after=list(clean.selected),
                )
            )
        if rows:
            self.store.save_answers(rows, audit)
            self.store.save_assessment(replace(row, updated_at=now), [])
        return self.answers(assessment_id)

    def _answer_issues(
        self, model: AssessmentModel, answers: Sequence[Answer]
    ) -> list[AnswerIssue]:
        issues: list[AnswerIssue] = []
        seen: set[str] = set()
        for a in answers:
            if a.question_id in seen:
                issues.append(AnswerIssue(a.question_id, "duplicate_answer"))
            seen.add(a.question_id)
        partial = {a.question_id: a for a in answers}
        # Only the problems of the answers given; missing ones are checked when scoring.
        issues += [i for i in check_answers(model, partial) if i.code != "missing"]
        return issues

    def progress(self, assessment_id: str) -> Progress:
        """Answered required questions against all required ones."""
        model = self.model_of(self.get(assessment_id))
        answers = self.answers(assessment_id)
        required = [q for q in model.questions if q.required]
        answered = sum(1 for q in required if q.id in answers and answers[q.id].selected)
        return Progress(answered, len(required), len(model.questions))
