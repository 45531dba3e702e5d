"""``pabrik demo``'s sample data, all of it labelled "contoh / sample".

A verified assessment of the demo company with its roadmap, a sample programme, and the example
partner directory. Running it again adds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from pabrik.runtime.accounts.access import DEMO_ADMIN, build_accounts
from pabrik.runtime.assess.service import Assessments, build_assessments
from pabrik.runtime.demo.answers import answers_at
from pabrik.runtime.demo.programme import ASSESSOR, LABEL, add_sample_programme
from pabrik.runtime.notify.admin import NotifyAdmin
from pabrik.runtime.notify.demo import add_demo_notifications
from pabrik.runtime.partners.directory import Partners
from pabrik.runtime.partners.example import load_example
from pabrik.storage.accounts import AuditLogRow

if TYPE_CHECKING:
    from pabrik.runtime.app import Runtime

TITLE = f"Asesmen INDI 4.0 ({LABEL})"
DEMO_KBLI = "22220"  # plastic products for packaging, as the demo plant makes
# The demo company is strong in technology, weak in product customisation and people.
FIELD_LEVELS = {"product_customisation": 0, "competence": 1, "culture": 1, "investment": 1}


@dataclass(frozen=True, slots=True)
class SeedReport:
    """What one run added (zeros on a second run)."""

    assessment: str | None
    companies: int
    partners: int


def _site_company(runtime: Runtime, base: Assessments) -> Assessments:
    """The demo company's assessments; its sector is set once, for the programme and matching."""
    accounts = build_accounts(runtime)
    tenant = accounts.tenant(accounts.site_tenant)
    if tenant.kbli is None:
        now = runtime.now()
        audit = AuditLogRow(tenant.id, "demo", "tenant.update", tenant.id, None, LABEL, now)
        runtime.store.save_tenant(replace(tenant, kbli=DEMO_KBLI, updated_at=now), [audit])
    return base.for_tenant(tenant.id, tenant.name, "demo", with_plant=True)


def add_demo_assessment(svc: Assessments) -> str | None:
    """One completed and verified assessment of the demo company, unless it has one already."""
    if any(LABEL in row.title for row in svc.all()):
        return None
    row = svc.create("indi40", title=TITLE)
    model = svc.model_of(row)
    svc.save_answers(row.id, answers_at(model, 2.4, seed=17, fields=FIELD_LEVELS, note=LABEL))
    svc.submit(row.id)
    svc.start_verification(row.id, actor=ASSESSOR)
    svc.add_visit_note(row.id, f"Kunjungan verifikasi {LABEL}: data mesin dicek.", ASSESSOR)
    svc.verify(row.id, actor=ASSESSOR)
    return row.id


def seed_demo(runtime: Runtime) -> SeedReport:
    """Add whatever sample data is missing."""
    base = build_assessments(runtime)
    assessment = add_demo_assessment(_site_company(runtime, base))
    companies = add_sample_programme(base)
    partners = load_example(Partners(runtime.store, base.catalogue, runtime.clock))
    add_demo_notifications(NotifyAdmin(runtime.store, runtime.clock), DEMO_ADMIN)
    return SeedReport(assessment, companies, partners)
