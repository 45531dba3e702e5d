"""Assessment use cases: answer, score, verify, find gaps, plan a roadmap, keep an audit trail."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pabrik.assessment.catalogue import Catalogue, PlantSize
from pabrik.assessment.evidence import PlantObservation, Proposal, propose
from pabrik.assessment.gaps import (
    CompanyProfile,
    Gap,
    check_profile,
    check_targets,
    rank_gaps,
    suggested_targets,
)
from pabrik.assessment.model import AssessmentModel
from pabrik.assessment.people import TrainingNeed, training_plan
from pabrik.assessment.roadmap import Roadmap, plan_roadmap
from pabrik.assessment.scoring import (
    Answer,
    AnswerError,
    AnswerIssue,
    Result,
    Trend,
    check_answers,
    normalise,
    question_score,
    score,
    trend,
)
from pabrik.model.errors import InvalidRequestError, NotFoundError, StoreUnavailableError
from pabrik.runtime.assess.codec import (
    fraction_text,
    parse_selection,
    result_from_data,
    result_json,
    selection_json,
)
from pabrik.runtime.assess.data import ModelRegistry, load_registry
from pabrik.runtime.assess.evidence import observe_plant
from pabrik.runtime.assess.files import check_upload, safe_filename, sha256, store_file
from pabrik.storage.assessments import (
    DEFAULT_TENANT,
    AdjustmentRow,
    AnswerRow,
    AssessmentRow,
    AssessmentStore,
    AttachmentRow,
    AuditRow,
    CompanyRow,
    ResultRow,
)

if TYPE_CHECKING:
    from pabrik.runtime.app import Runtime

Clock = Callable[[], datetime]
# Row types the delivery layers read through this module (they never import storage).
AssessmentRecord = AssessmentRow
AuditRecord = AuditRow
DEFAULT_COMPANY = "default"
LOCAL_ACTOR = "local"

DRAFT = "draft"
SELF_ASSESSED = "self_assessed"
UNDER_VERIFICATION = "under_verification"
VERIFIED = "verified"
STATUSES = (DRAFT, SELF_ASSESSED, UNDER_VERIFICATION, VERIFIED)
ANSWERS_EDITABLE = (DRAFT, SELF_ASSESSED)


@dataclass(frozen=True, slots=True)
class Company:
    """The assessed company with its size and business profile."""

    id: str
    name: str
    size: PlantSize
    profile: CompanyProfile
    sector: str | None = None
    province: str | None = None


@dataclass(frozen=True, slots=True)
class Progress:
    """How many required questions are answered."""

    answered: int
    required: int
    total: int

    @property
    def complete(self) -> bool:
        """Whether every required question has an answer."""
        return self.answered >= self.required

    @property
    def percent(self) -> int:
        """Answered share of required questions, in whole percent."""
        return 100 if not self.required else round(100 * self.answered / self.required)


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


def _dump(value: object) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def _profile_json(profile: CompanyProfile) -> str:
    return json.dumps(
        {
            "priorities": dict(sorted(profile.priorities.items())),
            "cost_shares": {k: fraction_text(v) for k, v in sorted(profile.cost_shares.items())},
        },
        sort_keys=True,
    )


def _profile(text: str) -> CompanyProfile:
    data = json.loads(text or "{}")
    return CompanyProfile(
        priorities={str(k): int(v) for k, v in data.get("priorities", {}).items()},
        cost_shares={str(k): Fraction(v) for k, v in data.get("cost_shares", {}).items()},
    )


class Assessments:
    """The assessment use cases for one tenant (a single default company until accounts exist)."""

    def __init__(
        self,
        store: AssessmentStore,
        registry: ModelRegistry,
        *,
        data_dir: Path,
        clock: Clock,
        company_name: str = "",
        observe: Callable[[], PlantObservation] | None = None,
        tenant_id: str = DEFAULT_TENANT,
        actor: str = LOCAL_ACTOR,
    ) -> None:
        self.actor = actor
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

    def for_tenant(
        self, tenant_id: str, company_name: str, actor: str, *, with_plant: bool
    ) -> Assessments:
        """The same use cases for another tenant and actor; plant evidence only for its owner."""
        return Assessments(
            self.store,
            self.registry,
            data_dir=self.data_dir,
            clock=self.clock,
            company_name=company_name,
            observe=self._observe if with_plant else None,
            tenant_id=tenant_id,
            actor=actor,
        )

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
                _profile_json(CompanyProfile()),
                now,
                now,
            )
            self.store.save_company(row)
        return Company(
            row.id,
            row.name,
            PlantSize(row.size),
            _profile(row.profile_json),
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
                profile_json=_profile_json(profile or current.profile),
                updated_at=self.clock(),
            )
        )
        return self.company()

    # --- assessments ------------------------------------------------------------------------

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

    # --- scoring ------------------------------------------------------------------------------

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

    def _set_status(self, row: AssessmentRow, status: str, actor: str) -> AssessmentRow:
        updated = replace(row, status=status, updated_at=self.clock())
        if status != row.status:
            audit = self._audit(row.id, actor, "status", "", before=row.status, after=status)
            self.store.save_assessment(updated, [audit])
        return updated

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

    # --- verification -------------------------------------------------------------------------

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

    # --- evidence -----------------------------------------------------------------------------

    def observation(self) -> PlantObservation | None:
        """What the plant's data shows now (None when no plant data source is wired)."""
        return self._observe() if self._observe else None

    def evidence(self, assessment_id: str) -> list[Proposal]:
        """Answers proposed from plant data beside the self-reported ones."""
        row = self.get(assessment_id)
        observation = self.observation()
        if observation is None or observation.machines == 0:
            return []
        return propose(self.model_of(row), observation, self.answers(assessment_id))

    # --- gaps, roadmap and people ---------------------------------------------------------

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

    # --- history ------------------------------------------------------------------------------

    def history(self) -> list[HistoryEntry]:
        """Scored assessments of the company, oldest first, each with its trend."""
        entries: list[HistoryEntry] = []
        previous: Result | None = None
        for row in self.store.assessments(self.tenant_id, self.company().id):
            result = self.result(row.id)
            if result is None:
                continue
            entries.append(HistoryEntry(row, result, trend(result, previous)))
            previous = result
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

    # --- attachments --------------------------------------------------------------------------

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


def answer_payload(answers: Mapping[str, Answer]) -> dict[str, Any]:
    """Answers as plain data keyed by question."""
    return {k: {"selected": list(v.selected), "note": v.note} for k, v in answers.items()}


def supports_assessments(runtime: Runtime) -> bool:
    """Whether the runtime's store can keep assessments (PostgreSQL cannot yet)."""
    return isinstance(runtime.store, AssessmentStore)


def build_assessments(runtime: Runtime, registry: ModelRegistry | None = None) -> Assessments:
    """The assessment use cases over the runtime's store, plant and clock."""
    store = runtime.store
    if not isinstance(store, AssessmentStore):
        raise StoreUnavailableError("this store cannot keep assessments")
    site = runtime.plant.site
    return Assessments(
        store,
        registry or load_registry(),
        data_dir=runtime.settings.data_dir,
        clock=runtime.clock,
        company_name=site.company or site.name,
        observe=lambda: observe_plant(runtime.store, runtime.plant, runtime.now()),
    )


@dataclass(frozen=True, slots=True)
class ReportData:
    """Everything a report shows about one assessment, gathered in one place."""

    assessment: AssessmentRow
    model: AssessmentModel
    catalogue: Catalogue
    company: Company
    result: Result
    previous: Result | None
    trend: Trend | None
    answers: dict[str, Answer]
    adjustments: dict[str, AdjustmentRow]
    attachments: dict[str, AttachmentRow]
    evidence: list[Proposal]
    observation: PlantObservation | None
    gaps: list[Gap]
    targets: dict[str, int]
    roadmap: Roadmap
    training: list[TrainingNeed]
    generated_at: datetime


def report_data(
    service: Assessments, assessment_id: str, *, budget: int | None = None
) -> ReportData:
    """The data of the executive summary and the full report."""
    row = service.get(assessment_id)
    result = service.require_result(assessment_id)
    previous = service.previous_result(assessment_id)
    roadmap = service.roadmap(assessment_id, budget=budget)
    return ReportData(
        assessment=row,
        model=service.model_of(row),
        catalogue=service.catalogue,
        company=service.company(),
        result=result,
        previous=previous,
        trend=trend(result, previous),
        answers=service.answers(assessment_id),
        adjustments={a.question_id: a for a in service.adjustments(assessment_id)},
        attachments=service.attachments(assessment_id),
        evidence=service.evidence(assessment_id),
        observation=service.observation(),
        gaps=service.gaps(assessment_id),
        targets=service.targets(assessment_id),
        roadmap=roadmap,
        training=service.training(roadmap),
        generated_at=service.clock(),
    )
