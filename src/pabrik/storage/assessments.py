"""The assessment store contract and its row types; every row is scoped by a tenant."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

DEFAULT_TENANT = "default"


@dataclass(frozen=True, slots=True)
class CompanyRow:
    """A company that is assessed, with its size and business profile as JSON."""

    tenant_id: str
    id: str
    name: str
    sector: str | None
    province: str | None
    size: str
    profile_json: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class AssessmentRow:
    """One assessment of a company against one model version."""

    tenant_id: str
    id: str
    company_id: str
    model_id: str
    model_version: int
    title: str
    status: str
    targets_json: str
    visit_notes: str
    created_by: str
    created_at: datetime
    updated_at: datetime
    # The consultant's pinned gap ranks, {"field_id": rank}.
    ranking_json: str = "{}"


@dataclass(frozen=True, slots=True)
class AnswerRow:
    """The options chosen for one question, with an evidence note and attachment."""

    tenant_id: str
    assessment_id: str
    question_id: str
    selected_json: str
    note: str
    attachment_id: str | None
    updated_by: str
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class AdjustmentRow:
    """An assessor's score for one question, keeping the original and the reason."""

    tenant_id: str
    assessment_id: str
    question_id: str
    original_score: int
    adjusted_score: int
    reason: str
    adjusted_by: str
    adjusted_at: datetime


@dataclass(frozen=True, slots=True)
class ResultRow:
    """A scored snapshot, stamped with the model id and version it was scored with."""

    tenant_id: str
    assessment_id: str
    model_id: str
    model_version: int
    basis: str
    overall_exact: str
    overall: float
    level: int
    result_json: str
    scored_at: datetime
    id: int | None = None


@dataclass(frozen=True, slots=True)
class AttachmentRow:
    """Evidence uploaded for one answer, stored under the data folder."""

    tenant_id: str
    id: str
    assessment_id: str
    question_id: str
    filename: str
    content_type: str
    size_bytes: int
    sha256: str
    stored_path: str
    uploaded_by: str
    uploaded_at: datetime


@dataclass(frozen=True, slots=True)
class AuditRow:
    """Who changed what and when, with the value before and after (JSON)."""

    tenant_id: str
    assessment_id: str
    actor: str
    action: str
    subject: str
    before_json: str | None
    after_json: str | None
    at: datetime
    id: int | None = None


@runtime_checkable
class AssessmentStore(Protocol):
    """Durable storage of companies, assessments, answers, results and their audit trail.

    Every write takes the audit rows that describe it and stores both in one transaction.
    """

    def save_company(self, company: CompanyRow) -> None:
        """Insert or update a company."""
        ...

    def company(self, tenant_id: str, company_id: str) -> CompanyRow | None:
        """One company."""
        ...

    def save_assessment(self, row: AssessmentRow, audit: Sequence[AuditRow]) -> None:
        """Insert or update an assessment's header (status, targets, notes)."""
        ...

    def assessment(self, tenant_id: str, assessment_id: str) -> AssessmentRow | None:
        """One assessment."""
        ...

    def assessments(self, tenant_id: str, company_id: str) -> list[AssessmentRow]:
        """A company's assessments, oldest first."""
        ...

    def save_answers(self, rows: Sequence[AnswerRow], audit: Sequence[AuditRow]) -> None:
        """Insert or replace answers."""
        ...

    def answers(self, tenant_id: str, assessment_id: str) -> list[AnswerRow]:
        """An assessment's answers, by question id."""
        ...

    def save_adjustment(self, row: AdjustmentRow, audit: Sequence[AuditRow]) -> None:
        """Insert or replace an assessor's adjustment."""
        ...

    def adjustments(self, tenant_id: str, assessment_id: str) -> list[AdjustmentRow]:
        """An assessment's adjustments, by question id."""
        ...

    def save_result(self, row: ResultRow, audit: Sequence[AuditRow]) -> None:
        """Append a scored snapshot."""
        ...

    def results(self, tenant_id: str, assessment_id: str) -> list[ResultRow]:
        """An assessment's scored snapshots, oldest first."""
        ...

    def save_attachment(self, row: AttachmentRow, audit: Sequence[AuditRow]) -> None:
        """Record an uploaded file."""
        ...

    def attachment(self, tenant_id: str, attachment_id: str) -> AttachmentRow | None:
        """One uploaded file's record."""
        ...

    def delete_assessment(
        self, tenant_id: str, assessment_id: str, audit: Sequence[AuditRow]
    ) -> None:
        """Remove an assessment with its answers and files' rows; the audit trail stays."""
        ...

    def audit_log(self, tenant_id: str, assessment_id: str) -> list[AuditRow]:
        """An assessment's audit trail, oldest first."""
        ...
