"""Programme results, native and imported, once for both backends."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pabrik.model.records import from_epoch_ms, to_epoch_ms
from pabrik.storage.accounts import AuditLogRow, ProgrammeResultRow, TenantRow
from pabrik.storage.sql.account_rows import (
    INSERT_AUDIT,
    INSERT_NEW_TENANT,
    UPSERT_RESULT,
    audit_params,
    tenant_params,
)
from pabrik.storage.sql.base import SqlBase

# The newest result of each assessment under its own model version, with the company's
# attributes; names are never selected.
NATIVE_SQL = """
SELECT r.tenant_id, r.scored_at_ms, r.model_id, r.overall, r.level, r.result_json,
       a.status, t.kbli, t.province, t.size, a.id, t.registration_no
FROM assess_results r
JOIN assess_assessments a ON a.tenant_id = r.tenant_id AND a.id = r.assessment_id
JOIN tenants t ON t.id = r.tenant_id
WHERE r.model_id = a.model_id AND r.model_version = a.model_version
  AND r.id = (SELECT max(r2.id) FROM assess_results r2
              WHERE r2.tenant_id = r.tenant_id AND r2.assessment_id = r.assessment_id
                AND r2.model_id = a.model_id AND r2.model_version = a.model_version)
ORDER BY r.tenant_id{c}, r.scored_at_ms
"""
IMPORTED_SQL = """
SELECT p.tenant_id, p.year, p.model_id, p.overall, p.level, p.pillars_json, p.fields_json,
       p.verified, t.kbli, t.province, t.size, t.registration_no, p.imported_by, p.source_file
FROM programme_results p JOIN tenants t ON t.id = p.tenant_id
ORDER BY p.tenant_id{c}, p.year
"""


def _native(r: Sequence[Any]) -> ProgrammeResultRow:
    return ProgrammeResultRow(
        tenant_id=r[0],
        year=from_epoch_ms(r[1]).year,
        model_id=r[2],
        overall=float(r[3]),
        level=int(r[4]),
        pillars_json="{}",
        fields_json="{}",
        verified=r[6] == "verified",
        kbli=r[7],
        province=r[8],
        size=r[9],
        source="native",
        assessment_id=r[10],
        result_json=r[5],
        registration_no=r[11],
    )


def _imported(r: Sequence[Any]) -> ProgrammeResultRow:
    return ProgrammeResultRow(
        tenant_id=r[0],
        year=int(r[1]),
        model_id=r[2],
        overall=float(r[3]),
        level=int(r[4]),
        pillars_json=r[5],
        fields_json=r[6],
        verified=bool(r[7]),
        kbli=r[8],
        province=r[9],
        size=r[10],
        source="import",
        registration_no=r[11],
        imported_by=r[12],
        source_file=r[13],
    )


class SqlProgramme(SqlBase):
    """The results the programme view aggregates."""

    def save_programme_results(
        self,
        rows: Sequence[ProgrammeResultRow],
        tenants: Sequence[TenantRow],
        actor: str,
        audit: AuditLogRow,
    ) -> None:
        """Upsert imported results, add their new tenants (never change one) and audit it."""
        now = to_epoch_ms(audit.at)
        params = [
            (
                r.tenant_id,
                r.year,
                r.model_id,
                r.overall,
                r.level,
                r.pillars_json,
                r.fields_json,
                bool(r.verified),
                actor,
                now,
                r.source_file,
            )
            for r in rows
        ]
        with self._tx() as tx:
            if tenants:
                tx.executemany(INSERT_NEW_TENANT, [tenant_params(t) for t in tenants])
            if params:
                tx.executemany(UPSERT_RESULT, params)
            tx.executemany(INSERT_AUDIT, audit_params([audit]))

    def programme_results(self) -> list[ProgrammeResultRow]:
        """Every company's results: native (scored assessments) and imported."""
        c = self._BINARY_ORDER
        native = [_native(r) for r in self._rows(NATIVE_SQL.format(c=c))]
        imported = [_imported(r) for r in self._rows(IMPORTED_SQL.format(c=c))]
        return native + imported
