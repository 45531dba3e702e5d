"""The assessment lifecycle: the company, creating and finding assessments, status and audit."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, tzinfo
from pathlib import Path

from pabrik.assessment.catalogue import Catalogue, PlantSize
from pabrik.assessment.evidence import PlantObservation
from pabrik.assessment.gaps import CompanyProfile, check_profile
from pabrik.assessment.model import AssessmentModel
from pabrik.assessment.scoring import Answer
from pabrik.model.errors import InvalidRequestError, NotFoundError
from pabrik.runtime.assess.codec import parse_selection
from pabrik.runtime.assess.company import (
    DEFAULT_COMPANY,
    Company,
    profile_from_json,
    profile_json,
)
from pabrik.runtime.assess.data import ModelRegistry
from pabrik.storage.assessments import (
    DEFAULT_TENANT,
    AssessmentRow,
    AuditRow,
    CompanyRow,
)
from pabrik.storage.store import Store

Clock = Callable[[], datetime]
# Row types the delivery layers read through the runtime (they never import storage).
AssessmentRecord = AssessmentRow
AuditRecord = AuditRow
LOCAL_ACTOR = "local"

DRAFT = "draft"
SELF_ASSESSED = "self_assessed"
UNDER_VERIFICATION = "under_verification"
VERIFIED = "verified"
STATUSES = (DRAFT, SELF_ASSESSED, UNDER_VERIFICATION, VERIFIED)
ANSWERS_EDITABLE = (DRAFT, SELF_ASSESSED)


def _dump(value: object) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


class AssessmentLifecycle:
    """Assessments of one tenant: creation, lookup, status changes and their audit rows."""

    def __init__(
        self,
        store: Store,
        registry: ModelRegistry,
        *,
        data_dir: Path,
        clock: Clock,
        company_name: str = "",
        observe: Callable[[], PlantObservation] | None = None,
        tenant_id: str = DEFAULT_TENANT,
        actor: str = LOCAL_ACTOR,
        timezone: tzinfo = UTC,
    ) -> None:
        self.actor = actor
        # The plant's zone: an assessment's date is the day it was started there.
        self.timezone = timezone
        self.store = store
        self.registry = registry
        self.data_dir = data_dir
        self.clock = clock
        self.company_name = company_name or DEFAULT_COMPANY
        self._observe = observe
        self.tenant_id = tenant_id

    def _who(self, actor: str) -> str:
        """The person behind a change: the caller's name unless one is given explicitly."""
        return self.actor if actor == LOCAL_ACTOR else actor

    @property
    def catalogue(self) -> Catalogue:
        """The guideline catalogue."""
        return self.registry.catalogue

    def _audit(
        self,
        assessment_id: str,
        actor: str,
        action: str,
        subject: str = "",
        before: object = None,
        after: object = None,
    ) -> AuditRow:
        return AuditRow(
            self.tenant_id,
            assessment_id,
            actor,
            action,
            subject,
            _dump(before),
            _dump(after),
            self.clock(),
        )

    # --- company -------------------------------------------------------------------------

    def company(self) -> Company:
        """The company being assessed; created with defaults on first use."""
        row = self.store.company(self.tenant_id, DEFAULT_COMPANY)
        if row is None:
            now = self.clock()
            row = CompanyRow(
                self.tenant_id,
                DEFAULT_COMPANY,
                self.company_name,
                None,
                None,
                PlantSize.MEDIUM.value,
                profile_json(CompanyProfile()),
                now,
                now,
            )
            self.store.save_company(row)
        return Company(
            row.id,
            row.name,
            PlantSize(row.size),
            profile_from_json(row.profile_json),
            row.sector,
            row.province,
        )

    def update_company(
        self,
        *,
        size: PlantSize | None = None,
        profile: CompanyProfile | None = None,
        name: str | None = None,
    ) -> Company:
        """Change the company's size, name or business profile."""
        current = self.company()
        if profile is not None:
            check_profile(profile)
        row = self.store.company(self.tenant_id, DEFAULT_COMPANY)
        assert row is not None
        self.store.save_company(
            replace(
                row,
                name=name or current.name,
                size=(size or current.size).value,
                profile_json=profile_json(profile or current.profile),
                updated_at=self.clock(),
            )
        )
        return self.company()

    def create(
        self,
        model_id: str,
        *,
        title: str = "",
        version: int | None = None,
        actor: str = LOCAL_ACTOR,
    ) -> AssessmentRow:
        """Start a draft assessment against a model version (the newest when not given)."""
        actor = self._who(actor)
        model = self.registry.get(model_id, version)
        company = self.company()
        now = self.clock()
        row = AssessmentRow(
            tenant_id=self.tenant_id,
            id=uuid.uuid4().hex[:12],
            company_id=company.id,
            model_id=model.id,
            model_version=model.version,
            title=(title or model.name.get("id"))[:200],
            status=DRAFT,
            targets_json="{}",
            visit_notes="",
            created_by=actor,
            created_at=now,
            updated_at=now,
        )
        audit = self._audit(row.id, actor, "create", model.key, after={"title": row.title})
        self.store.save_assessment(row, [audit])
        return row

    def get(self, assessment_id: str) -> AssessmentRow:
        """One assessment, or ``NotFoundError``."""
        row = self.store.assessment(self.tenant_id, assessment_id)
        if row is None:
            raise NotFoundError(f"assessment '{assessment_id}' not found", assessment=assessment_id)
        return row

    def model_of(self, row: AssessmentRow) -> AssessmentModel:
        """The model version an assessment was created with."""
        return self.registry.get(row.model_id, row.model_version)

    def all(self) -> list[AssessmentRow]:
        """The company's assessments, newest first."""
        rows = self.store.assessments(self.tenant_id, self.company().id)
        return list(reversed(rows))

    def answers(self, assessment_id: str) -> dict[str, Answer]:
        """The stored answers by question id."""
        return {
            a.question_id: Answer(
                a.question_id, parse_selection(a.selected_json), a.note, a.attachment_id
            )
            for a in self.store.answers(self.tenant_id, assessment_id)
        }

    def _require(self, row: AssessmentRow, allowed: Sequence[str], action: str) -> None:
        if row.status not in allowed:
            raise InvalidRequestError(
                f"cannot {action} an assessment that is {row.status}",
                reason="bad_status",
                status=row.status,
            )

    def _set_status(self, row: AssessmentRow, status: str, actor: str) -> AssessmentRow:
        updated = replace(row, status=status, updated_at=self.clock())
        if status != row.status:
            audit = self._audit(row.id, actor, "status", "", before=row.status, after=status)
            self.store.save_assessment(updated, [audit])
        return updated

    def observation(self) -> PlantObservation | None:
        """What the plant's data shows now (None when no plant data source is wired)."""
        return self._observe() if self._observe else None
