"""The partner directory and its contact requests, once for both backends."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pabrik.model.records import from_epoch_ms, to_epoch_ms
from pabrik.storage.accounts import AuditLogRow
from pabrik.storage.partners import ContactRow, PartnerRow
from pabrik.storage.sql.account_rows import INSERT_AUDIT, audit_params
from pabrik.storage.sql.base import SqlBase

PARTNER_COLS = (
    "id, kind, name, origin, description, website, email, tags_json, sample, active,"
    " updated_by, created_at_ms, updated_at_ms"
)
UPSERT_PARTNER = (
    f"INSERT INTO partners ({PARTNER_COLS}) VALUES ({', '.join('?' * 13)})"  # noqa: S608
    " ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, name = excluded.name,"
    " origin = excluded.origin, description = excluded.description,"
    " website = excluded.website, email = excluded.email, tags_json = excluded.tags_json,"
    " sample = excluded.sample, active = excluded.active, updated_by = excluded.updated_by,"
    " updated_at_ms = excluded.updated_at_ms"
)
CONTACT_COLS = "partner_id, tenant_id, actor, topic, message, shared_json, at_ms"
INSERT_CONTACT = f"INSERT INTO partner_contacts ({CONTACT_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?)"  # noqa: S608


def _params(r: PartnerRow) -> tuple[Any, ...]:
    return (
        r.id,
        r.kind,
        r.name,
        r.origin,
        r.description,
        r.website,
        r.email,
        r.tags_json,
        bool(r.sample),
        bool(r.active),
        r.updated_by,
        to_epoch_ms(r.created_at),
        to_epoch_ms(r.updated_at),
    )


def _partner(r: Sequence[Any]) -> PartnerRow:
    return PartnerRow(
        r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], bool(r[8]), bool(r[9]), r[10],
        from_epoch_ms(r[11]), from_epoch_ms(r[12]),
    )  # fmt: skip


def _contact(r: Sequence[Any]) -> ContactRow:
    return ContactRow(r[1], r[2], r[3], r[4], r[5], r[6], from_epoch_ms(r[7]), int(r[0]))


class SqlPartners(SqlBase):
    """The directory's entries and contact requests."""

    def save_partners(self, rows: Sequence[PartnerRow], audit: Sequence[AuditLogRow]) -> None:
        """Insert or update entries, with their audit rows, in one transaction."""
        with self._tx() as tx:
            tx.executemany(UPSERT_PARTNER, [_params(r) for r in rows])
            tx.executemany(INSERT_AUDIT, audit_params(audit))

    def partner(self, partner_id: str) -> PartnerRow | None:
        """One entry."""
        rows = self._rows(f"SELECT {PARTNER_COLS} FROM partners WHERE id = ?", (partner_id,))  # noqa: S608
        return _partner(rows[0]) if rows else None

    def partners(self) -> list[PartnerRow]:
        """Every entry, by id."""
        sql = f"SELECT {PARTNER_COLS} FROM partners ORDER BY id{self._BINARY_ORDER}"  # noqa: S608
        return [_partner(r) for r in self._rows(sql)]

    def save_contact(self, row: ContactRow, audit: Sequence[AuditLogRow]) -> None:
        """Log a contact request with its audit rows."""
        params = (
            row.partner_id,
            row.tenant_id,
            row.actor,
            row.topic,
            row.message,
            row.shared_json,
            to_epoch_ms(row.at),
        )
        with self._tx() as tx:
            tx.execute(INSERT_CONTACT, params)
            tx.executemany(INSERT_AUDIT, audit_params(audit))

    def contacts(self, tenant_id: str | None) -> list[ContactRow]:
        """Contact requests of one company (all when None), newest first."""
        sql = f"SELECT id, {CONTACT_COLS} FROM partner_contacts"  # noqa: S608
        if tenant_id is None:
            rows = self._rows(sql + " ORDER BY id DESC")
        else:
            rows = self._rows(sql + " WHERE tenant_id = ? ORDER BY id DESC", (tenant_id,))
        return [_contact(r) for r in rows]
