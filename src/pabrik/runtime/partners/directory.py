"""The directory's use cases: manage entries (audited), import them, match them, contact one."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from pabrik.assessment.catalogue import Catalogue
from pabrik.model.errors import InvalidRequestError, NotFoundError
from pabrik.runtime.partners.entries import TAGS, Entry, parse_entry
from pabrik.runtime.partners.match import CompanyFacts, Match, matches
from pabrik.runtime.programme.sheets import table_rows
from pabrik.storage.accounts import AuditLogRow
from pabrik.storage.partners import ContactRow, PartnerRow
from pabrik.storage.store import Store

Clock = Callable[[], datetime]
# Row types the delivery layers read through the runtime (they never import storage).
ContactRecord = ContactRow
AuditRecord = AuditLogRow
MAX_MESSAGE = 2000


@dataclass(frozen=True, slots=True)
class RowProblem:
    """Why one row (numbered as in the spreadsheet, header = 1) was refused."""

    row: int
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ImportReport:
    """How many entries were added and changed, and every refused row."""

    created: int
    updated: int
    problems: tuple[RowProblem, ...]


def entry_of(row: PartnerRow) -> Entry:
    """A stored row as an entry."""
    raw = json.loads(row.tags_json or "{}")
    tags = {k: tuple(str(v) for v in raw.get(k, ())) for k in TAGS}
    return Entry(
        row.id, row.kind, row.name, row.origin, row.description, row.website, row.email, tags,
        row.sample, row.active,
    )  # fmt: skip


def _dump(entry: Entry | None) -> str | None:
    if entry is None:
        return None
    data = {
        "kind": entry.kind, "name": entry.name, "origin": entry.origin,
        "website": entry.website, "email": entry.email, "sample": entry.sample,
        "active": entry.active, "tags": json.loads(entry.tags_json()),
    }  # fmt: skip
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


class Partners:
    """The partner directory over the store, the guideline catalogue and a clock."""

    def __init__(self, store: Store, catalogue: Catalogue, clock: Clock) -> None:
        self.store = store
        self.catalogue = catalogue
        self.clock = clock

    def entries(self) -> list[Entry]:
        """Every entry, by id."""
        return [entry_of(r) for r in self.store.partners()]

    def entry(self, partner_id: str) -> Entry:
        """One entry, or ``NotFoundError``."""
        row = self.store.partner(partner_id)
        if row is None:
            raise NotFoundError("partner not found", partner=partner_id[:64])
        return entry_of(row)

    def _row(self, entry: Entry, actor: str, created: datetime | None) -> PartnerRow:
        now = self.clock()
        return PartnerRow(
            entry.id, entry.kind, entry.name, entry.origin, entry.description, entry.website,
            entry.email, entry.tags_json(), entry.sample, entry.active, actor, created or now, now,
        )  # fmt: skip

    def _audit(
        self,
        actor: str,
        action: str,
        subject: str,
        before: str | None,
        after: str | None,
        tenant: str | None = None,
    ) -> AuditLogRow:
        return AuditLogRow(tenant, actor, action, subject, before, after, self.clock())

    def save(self, actor: str, data: Mapping[str, object], *, new: bool) -> Entry:
        """Create (``new``) or edit one entry; every problem is reported at once."""
        entry, problems = parse_entry(data, self.catalogue)
        if entry is None:
            raise InvalidRequestError("; ".join(problems), reason="bad_partner")
        old = self.store.partner(entry.id)
        if new and old is not None:
            raise InvalidRequestError("that id is taken", reason="partner_exists")
        if not new and old is None:
            raise NotFoundError("partner not found", partner=entry.id)
        before = entry_of(old) if old else None
        action = "partners.create" if old is None else "partners.edit"
        audit = self._audit(actor, action, entry.id, _dump(before), _dump(entry))
        created = old.created_at if old else None
        self.store.save_partners([self._row(entry, actor, created)], [audit])
        return entry

    def import_file(self, actor: str, data: bytes, filename: str) -> ImportReport:
        """Check every row of a .csv or .xlsx file, then save the valid ones together."""
        rows = iter(table_rows(data, filename))
        header = [h.strip().lower().replace(" ", "_") for h in next(rows, [])]
        if "id" not in header:
            raise InvalidRequestError("the file has no 'id' column", reason="bad_import")
        good: dict[str, Entry] = {}
        problems: list[RowProblem] = []
        for number, cells in enumerate(rows, start=2):
            record = dict(zip(header, cells, strict=False))
            if not any(c.strip() for c in cells):
                continue
            entry, reasons = parse_entry(record, self.catalogue)
            if entry is not None and entry.id in good:
                entry, reasons = None, ["duplicate: the same id appears twice"]
            if entry is None:
                problems.append(RowProblem(number, tuple(reasons)))
                continue
            good[entry.id] = entry
        return self._save_import(actor, filename[:200], list(good.values()), problems)

    def _save_import(
        self, actor: str, source: str, entries: list[Entry], problems: list[RowProblem]
    ) -> ImportReport:
        existing = {r.id: r for r in self.store.partners()}
        rows = [
            self._row(e, actor, getattr(existing.get(e.id), "created_at", None)) for e in entries
        ]
        updated = sum(1 for e in entries if e.id in existing)
        counts = {"file": source, "created": len(entries) - updated, "updated": updated,
                  "refused": len(problems)}  # fmt: skip
        audit = self._audit(actor, "partners.import", source, None, json.dumps(counts))
        self.store.save_partners(rows, [audit])
        return ImportReport(len(entries) - updated, updated, tuple(problems))

    def help(
        self,
        company: CompanyFacts,
        *,
        practice: str | None = None,
        topics: tuple[str, ...] = (),
        locale: str = "id",
        entries: list[Entry] | None = None,
    ) -> list[Match]:
        """Who can help with a practice or some training topics, nearest first."""
        pool = self.entries() if entries is None else entries
        return matches(pool, company, practice=practice, topics=topics, locale=locale)

    def company(self, tenant_id: str) -> CompanyFacts:
        """The matching facts of a company (none known for an unknown tenant)."""
        row = self.store.tenant(tenant_id)
        if row is None:
            return CompanyFacts(None, None, None)
        return CompanyFacts(row.province, row.kbli[:2] if row.kbli else None, row.size)

    def shared(self, tenant_id: str, person: str, topic: str, message: str) -> dict[str, str]:
        """Exactly what a contact request hands over, shown to the company before it sends."""
        row = self.store.tenant(tenant_id)
        return {
            "company": row.name if row else tenant_id,
            "province": (row.province or "") if row else "",
            "person": person,
            "topic": topic[:100],
            "message": " ".join(message.split())[:MAX_MESSAGE],
        }

    def contact(
        self,
        tenant_id: str,
        actor: str,
        partner_id: str,
        topic: str,
        message: str,
        *,
        consent: bool,
    ) -> ContactRow:
        """Log a company's deliberate request to be contacted, and audit it."""
        entry = self.entry(partner_id)
        if not consent:
            raise InvalidRequestError("confirm what is shared", reason="contact_consent")
        shared = self.shared(tenant_id, actor, topic, message)
        text = json.dumps(shared, ensure_ascii=False, sort_keys=True)
        row = ContactRow(
            entry.id, tenant_id, actor, shared["topic"], shared["message"], text, self.clock()
        )
        audit = self._audit(actor, "partners.contact", entry.id, None, text, tenant_id)
        self.store.save_contact(row, [audit])
        return row

    def contacts(self, tenant_id: str | None) -> list[ContactRow]:
        """Contact requests of one company, or every one (for the programme admin)."""
        return self.store.contacts(tenant_id)

    def audit(self, limit: int = 200) -> list[AuditLogRow]:
        """The directory's audit rows, newest first."""
        rows = self.store.audit_entries(None, 2000, 0)
        return [a for a in rows if a.action.startswith("partners.")][:limit]
