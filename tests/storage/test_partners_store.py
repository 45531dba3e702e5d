"""The partner directory store keeps entries and contact requests, audited, on both backends."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from pabrik.storage.accounts import AuditLogRow
from pabrik.storage.partners import ContactRow, PartnerRow
from pabrik.storage.postgres.store import PostgresStore
from pabrik.storage.sqlite.store import SqliteStore

T0 = datetime(2026, 1, 5, tzinfo=UTC)
Backend = SqliteStore | PostgresStore


def _entry(partner_id: str, name: str = "Contoh Integrator") -> PartnerRow:
    tags = '{"practices": ["connect_bottleneck"], "provinces": ["Jawa Barat"]}'
    return PartnerRow(
        partner_id, "integrator", name, "id", "", "", "", tags, True, True, "admin", T0, T0
    )


def _audit(action: str, tenant: str | None = None) -> AuditLogRow:
    return AuditLogRow(tenant, "admin", action, "x", None, "{}", T0)


def test_an_entry_is_kept_and_an_edit_replaces_it_with_an_audit_row(store: Backend) -> None:
    store.save_partners([_entry("b"), _entry("a")], [_audit("partners.create")])
    store.save_partners(
        [replace(_entry("a"), name="Baru", active=False)], [_audit("partners.edit")]
    )
    assert [p.id for p in store.partners()] == ["a", "b"]
    got = store.partner("a")
    assert got is not None
    assert (got.name, got.active, got.sample, got.created_at) == ("Baru", False, True, T0)
    assert store.partner("zzz") is None
    actions = [a.action for a in store.audit_entries(None, 10, 0)]
    assert actions == ["partners.edit", "partners.create"]


def test_a_contact_request_is_logged_per_company_and_audited(store: Backend) -> None:
    store.save_partners([_entry("a")], [])
    for tenant in ("pt-a", "pt-b", "pt-a"):
        row = ContactRow("a", tenant, "budi", "connect_bottleneck", "Halo", '{"name": "PT"}', T0)
        store.save_contact(row, [_audit("partners.contact", tenant)])
    assert [c.tenant_id for c in store.contacts(None)] == ["pt-a", "pt-b", "pt-a"]
    mine = store.contacts("pt-a")
    assert len(mine) == 2
    assert [c.id for c in mine] == sorted((c.id or 0 for c in mine), reverse=True)
    assert (mine[0].message, mine[0].shared_json) == ("Halo", '{"name": "PT"}')
    assert len(store.audit_entries("pt-a", 10, 0)) == 2
