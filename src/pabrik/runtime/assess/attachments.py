"""Evidence files kept for answers: checked, stored under the data folder, linked, read back."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from pabrik.assessment.scoring import AnswerError, AnswerIssue
from pabrik.model.errors import NotFoundError
from pabrik.runtime.assess.files import check_upload, safe_filename, sha256, store_file
from pabrik.runtime.assess.lifecycle import (
    ANSWERS_EDITABLE,
    DRAFT,
    LOCAL_ACTOR,
    UNDER_VERIFICATION,
    AssessmentLifecycle,
)
from pabrik.storage.assessments import AnswerRow, AssessmentRow, AttachmentRow


class EvidenceFiles(AssessmentLifecycle):
    """Attachments of an assessment's answers."""

    def attach(
        self,
        assessment_id: str,
        question_id: str,
        filename: str,
        data: bytes,
        actor: str = LOCAL_ACTOR,
    ) -> AttachmentRow:
        """Keep an evidence file for one answer and link it to the answer."""
        actor = self._who(actor)
        row = self.get(assessment_id)
        self._require(row, (*ANSWERS_EDITABLE, UNDER_VERIFICATION), "attach files to")
        model = self.model_of(row)
        if model.question(question_id) is None:
            raise AnswerError(model.key, [AnswerIssue(question_id, "unknown_question")])
        name = safe_filename(filename)
        ext, kind = check_upload(name, data)
        attachment_id = uuid.uuid4().hex[:16]
        folder = self.data_dir / "attachments" / self.tenant_id / row.id
        path = store_file(folder, f"{attachment_id}.{ext}", data)
        record = AttachmentRow(
            self.tenant_id,
            attachment_id,
            row.id,
            question_id,
            name,
            kind.content_type,
            len(data),
            sha256(data),
            str(path),
            actor,
            self.clock(),
        )
        audit = self._audit(row.id, actor, "attach", question_id, after={"file": name})
        self.store.save_attachment(record, [audit])
        self._link_attachment(row, question_id, attachment_id, actor)
        return record

    def _link_attachment(
        self, row: AssessmentRow, question_id: str, attachment_id: str, actor: str
    ) -> None:
        current = self.answers(row.id).get(question_id)
        selected = current.selected if current else ()
        answer = AnswerRow(
            self.tenant_id,
            row.id,
            question_id,
            json.dumps(list(selected)),
            current.note if current else "",
            attachment_id,
            actor,
            self.clock(),
        )
        self.store.save_answers([answer], [])

    def attachment(self, attachment_id: str) -> tuple[AttachmentRow, bytes]:
        """An attachment's record and bytes."""
        record = self.store.attachment(self.tenant_id, attachment_id)
        if record is None:
            raise NotFoundError(f"attachment '{attachment_id}' not found", attachment=attachment_id)
        path = Path(record.stored_path)
        root = (self.data_dir / "attachments").resolve()
        if not path.resolve().is_relative_to(root) or not path.is_file():
            raise NotFoundError(
                f"attachment '{attachment_id}' is missing", attachment=attachment_id
            )
        return record, path.read_bytes()

    def attachments(self, assessment_id: str) -> dict[str, AttachmentRow]:
        """The attachments linked to answers, by attachment id."""
        ids = {a.attachment_id for a in self.answers(assessment_id).values() if a.attachment_id}
        found = (self.store.attachment(self.tenant_id, i) for i in sorted(ids))
        return {a.id: a for a in found if a is not None}

    def delete_draft(self, assessment_id: str, actor: str = LOCAL_ACTOR) -> None:
        """Delete a draft with its answers and files; the audit trail keeps who and when."""
        actor = self._who(actor)
        row = self.get(assessment_id)
        self._require(row, (DRAFT,), "delete")
        files = [Path(a.stored_path) for a in self.attachments(row.id).values()]
        before = {"title": row.title, "model": row.model_id, "answers": len(self.answers(row.id))}
        audit = self._audit(row.id, actor, "delete", row.model_id, before=before)
        self.store.delete_assessment(self.tenant_id, row.id, [audit])
        root = (self.data_dir / "attachments").resolve()
        for path in files:
            if path.resolve().is_relative_to(root):
                path.unlink(missing_ok=True)
