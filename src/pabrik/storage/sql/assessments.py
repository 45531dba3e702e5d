"""The assessment store once for both backends; ``SqliteSql``/``PgSql`` run its SQL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pabrik.model.records import from_epoch_ms, to_epoch_ms
from pabrik.storage.assessments import (
    AdjustmentRow,
    AnswerRow,
    AssessmentRow,
    AttachmentRow,
    AuditRow,
    CompanyRow,
    ResultRow,
)
from pabrik.storage.sql.base import SqlBase

_COMPANY_COLS = (
    "tenant_id, id, name, sector, province, size, profile_json, created_at_ms, updated_at_ms"
)
_ASSESSMENT_COLS = (
    "tenant_id, id, company_id, model_id, model_version, title, status, targets_json,"
    " visit_notes, created_by, created_at_ms, updated_at_ms, ranking_json"
)
_ANSWER_COLS = (
    "tenant_id, assessment_id, question_id, selected_json, note, attachment_id, updated_by,"
    " updated_at_ms"
)
_ADJUSTMENT_COLS = (
    "tenant_id, assessment_id, question_id, original_score, adjusted_score, reason, adjusted_by,"
    " adjusted_at_ms"
)
_RESULT_COLS = (
    "tenant_id, assessment_id, model_id, model_version, basis, overall_exact, overall, level,"
    " result_json, scored_at_ms"
)
_ATTACHMENT_COLS = (
    "tenant_id, id, assessment_id, question_id, filename, content_type, size_bytes, sha256,"
    " stored_path, uploaded_by, uploaded_at_ms"
)
_AUDIT_COLS = "tenant_id, assessment_id, actor, action, subject, before_json, after_json, at_ms"


def _marks(cols: str) -> str:
    return ", ".join("?" for _ in cols.split(","))


def _upsert(table: str, cols: str, keys: str) -> str:
    names = [c.strip() for c in cols.split(",")]
    key_names = {k.strip() for k in keys.split(",")}
    updates = ", ".join(f"{n} = excluded.{n}" for n in names if n not in key_names)
    return (
        f"INSERT INTO {table} ({cols}) VALUES ({_marks(cols)})"  # noqa: S608 - fixed names
        f" ON CONFLICT ({keys}) DO UPDATE SET {updates}"
    )


_UPSERT_COMPANY = _upsert("assess_companies", _COMPANY_COLS, "tenant_id, id")
_UPSERT_ASSESSMENT = _upsert("assess_assessments", _ASSESSMENT_COLS, "tenant_id, id")
_UPSERT_ANSWER = _upsert("assess_answers", _ANSWER_COLS, "tenant_id, assessment_id, question_id")
_UPSERT_ADJUSTMENT = _upsert(
    "assess_adjustments", _ADJUSTMENT_COLS, "tenant_id, assessment_id, question_id"
)
_INSERT_RESULT = f"INSERT INTO assess_results ({_RESULT_COLS}) VALUES ({_marks(_RESULT_COLS)})"  # noqa: S608
_INSERT_ATTACHMENT = (
    f"INSERT INTO assess_attachments ({_ATTACHMENT_COLS}) VALUES ({_marks(_ATTACHMENT_COLS)})"  # noqa: S608
)
# Tables that hang off an assessment (the audit trail is kept on purpose).
_CHILD_TABLES = ("assess_answers", "assess_adjustments", "assess_results", "assess_attachments")
_INSERT_AUDIT = f"INSERT INTO assess_audit ({_AUDIT_COLS}) VALUES ({_marks(_AUDIT_COLS)})"  # noqa: S608


def _audit_params(rows: Sequence[AuditRow]) -> list[tuple[Any, ...]]:
    return [
        (
            a.tenant_id,
            a.assessment_id,
            a.actor,
            a.action,
            a.subject,
            a.before_json,
            a.after_json,
            to_epoch_ms(a.at),
        )
        for a in rows
    ]


class SqlAssessments(SqlBase):
    """Assessment tables, in the SQLite file or the PostgreSQL database of the plant records."""

    def _save(self, sql: str, params: Sequence[Any], audit: Sequence[AuditRow]) -> None:
        """One row and its audit trail in one transaction."""
        with self._tx() as tx:
            tx.execute(sql, params)
            tx.executemany(_INSERT_AUDIT, _audit_params(audit))

    def save_company(self, company: CompanyRow) -> None:
        """Insert or update a company."""
        c = company
        params = (
            c.tenant_id,
            c.id,
            c.name,
            c.sector,
            c.province,
            c.size,
            c.profile_json,
            to_epoch_ms(c.created_at),
            to_epoch_ms(c.updated_at),
        )
        self._save(_UPSERT_COMPANY, params, ())

    def company(self, tenant_id: str, company_id: str) -> CompanyRow | None:
        """One company."""
        sql = f"SELECT {_COMPANY_COLS} FROM assess_companies WHERE tenant_id = ? AND id = ?"  # noqa: S608
        for r in self._rows(sql, (tenant_id, company_id)):
            return CompanyRow(
                r[0], r[1], r[2], r[3], r[4], r[5], r[6], from_epoch_ms(r[7]), from_epoch_ms(r[8])
            )
        return None

    def save_assessment(self, row: AssessmentRow, audit: Sequence[AuditRow]) -> None:
        """Insert or update an assessment's header."""
        a = row
        params = (
            a.tenant_id,
            a.id,
            a.company_id,
            a.model_id,
            a.model_version,
            a.title,
            a.status,
            a.targets_json,
            a.visit_notes,
            a.created_by,
            to_epoch_ms(a.created_at),
            to_epoch_ms(a.updated_at),
            a.ranking_json,
        )
        self._save(_UPSERT_ASSESSMENT, params, audit)

    def delete_assessment(
        self, tenant_id: str, assessment_id: str, audit: Sequence[AuditRow]
    ) -> None:
        """Remove an assessment's rows in one transaction; its audit trail stays."""
        with self._tx() as tx:
            for table in _CHILD_TABLES:
                tx.execute(
                    f"DELETE FROM {table} WHERE tenant_id = ? AND assessment_id = ?",  # noqa: S608
                    (tenant_id, assessment_id),
                )
            tx.execute(
                "DELETE FROM assess_assessments WHERE tenant_id = ? AND id = ?",
                (tenant_id, assessment_id),
            )
            tx.executemany(_INSERT_AUDIT, _audit_params(audit))

    def _assessment(self, r: tuple[Any, ...]) -> AssessmentRow:
        return AssessmentRow(
            r[0],
            r[1],
            r[2],
            r[3],
            r[4],
            r[5],
            r[6],
            r[7],
            r[8],
            r[9],
            from_epoch_ms(r[10]),
            from_epoch_ms(r[11]),
            r[12],
        )

    def assessment(self, tenant_id: str, assessment_id: str) -> AssessmentRow | None:
        """One assessment."""
        sql = f"SELECT {_ASSESSMENT_COLS} FROM assess_assessments WHERE tenant_id = ? AND id = ?"  # noqa: S608
        for r in self._rows(sql, (tenant_id, assessment_id)):
            return self._assessment(r)
        return None

    def assessments(self, tenant_id: str, company_id: str) -> list[AssessmentRow]:
        """A company's assessments, oldest first."""
        sql = (
            f"SELECT {_ASSESSMENT_COLS} FROM assess_assessments"  # noqa: S608
            " WHERE tenant_id = ? AND company_id = ? ORDER BY created_at_ms, id"
        )
        return [self._assessment(r) for r in self._rows(sql, (tenant_id, company_id))]

    def save_answers(self, rows: Sequence[AnswerRow], audit: Sequence[AuditRow]) -> None:
        """Insert or replace answers, with their audit rows, in one transaction."""
        params = [
            (
                a.tenant_id,
                a.assessment_id,
                a.question_id,
                a.selected_json,
                a.note,
                a.attachment_id,
                a.updated_by,
                to_epoch_ms(a.updated_at),
            )
            for a in rows
        ]
        with self._tx() as tx:
            tx.executemany(_UPSERT_ANSWER, params)
            tx.executemany(_INSERT_AUDIT, _audit_params(audit))

    def answers(self, tenant_id: str, assessment_id: str) -> list[AnswerRow]:
        """An assessment's answers, by question id."""
        sql = (
            f"SELECT {_ANSWER_COLS} FROM assess_answers"  # noqa: S608
            " WHERE tenant_id = ? AND assessment_id = ? ORDER BY question_id"
        )
        return [
            AnswerRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], from_epoch_ms(r[7]))
            for r in self._rows(sql, (tenant_id, assessment_id))
        ]

    def save_adjustment(self, row: AdjustmentRow, audit: Sequence[AuditRow]) -> None:
        """Insert or replace an assessor's adjustment."""
        a = row
        params = (
            a.tenant_id,
            a.assessment_id,
            a.question_id,
            a.original_score,
            a.adjusted_score,
            a.reason,
            a.adjusted_by,
            to_epoch_ms(a.adjusted_at),
        )
        self._save(_UPSERT_ADJUSTMENT, params, audit)

    def adjustments(self, tenant_id: str, assessment_id: str) -> list[AdjustmentRow]:
        """An assessment's adjustments, by question id."""
        sql = (
            f"SELECT {_ADJUSTMENT_COLS} FROM assess_adjustments"  # noqa: S608
            " WHERE tenant_id = ? AND assessment_id = ? ORDER BY question_id"
        )
        return [
            AdjustmentRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], from_epoch_ms(r[7]))
            for r in self._rows(sql, (tenant_id, assessment_id))
        ]

    def save_result(self, row: ResultRow, audit: Sequence[AuditRow]) -> None:
        """Append a scored snapshot."""
        r = row
        params = (
            r.tenant_id,
            r.assessment_id,
            r.model_id,
            r.model_version,
            r.basis,
            r.overall_exact,
            r.overall,
            r.level,
            r.result_json,
            to_epoch_ms(r.scored_at),
        )
        self._save(_INSERT_RESULT, params, audit)

    def results(self, tenant_id: str, assessment_id: str) -> list[ResultRow]:
        """An assessment's scored snapshots, oldest first."""
        sql = (
            f"SELECT {_RESULT_COLS}, id FROM assess_results"  # noqa: S608
            " WHERE tenant_id = ? AND assessment_id = ? ORDER BY id"
        )
        return [
            ResultRow(
                r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], from_epoch_ms(r[9]), id=r[10]
            )
            for r in self._rows(sql, (tenant_id, assessment_id))
        ]

    def save_attachment(self, row: AttachmentRow, audit: Sequence[AuditRow]) -> None:
        """Record an uploaded file."""
        a = row
        params = (
            a.tenant_id,
            a.id,
            a.assessment_id,
            a.question_id,
            a.filename,
            a.content_type,
            a.size_bytes,
            a.sha256,
            a.stored_path,
            a.uploaded_by,
            to_epoch_ms(a.uploaded_at),
        )
        self._save(_INSERT_ATTACHMENT, params, audit)

    def attachment(self, tenant_id: str, attachment_id: str) -> AttachmentRow | None:
        """One uploaded file's record."""
        sql = f"SELECT {_ATTACHMENT_COLS} FROM assess_attachments WHERE tenant_id = ? AND id = ?"  # noqa: S608
        for r in self._rows(sql, (tenant_id, attachment_id)):
            return AttachmentRow(
                r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], from_epoch_ms(r[10])
            )
        return None

    def audit_log(self, tenant_id: str, assessment_id: str) -> list[AuditRow]:
        """An assessment's audit trail, oldest first."""
        sql = (
            f"SELECT {_AUDIT_COLS}, id FROM assess_audit"  # noqa: S608
            " WHERE tenant_id = ? AND assessment_id = ? ORDER BY id"
        )
        return [
            AuditRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], from_epoch_ms(r[7]), id=r[8])
            for r in self._rows(sql, (tenant_id, assessment_id))
        ]
