"""A sample programme: invented companies across sectors, provinces and sizes, over years.

Every company is a tenant with an invented registration number (13 digits, mostly zeros) and a
name marked "contoh / sample", and assesses itself in pabrik in one to four years; some results
are verified by an (invented) assessor. The groups are large enough for k-anonymity, so every
programme chart shows something.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pabrik.runtime.assess.service import Assessments
from pabrik.runtime.demo.answers import answers_at
from pabrik.storage.accounts import AuditLogRow, TenantRow

PREFIX = "contoh-"
LABEL = "contoh / sample"
COMPANIES = 42
ACTOR = "contoh"
ASSESSOR = "contoh-asesor"
# (KBLI code, sector word); five sectors of eight or nine companies each.
SECTORS = (
    ("10750", "Pangan"),
    ("13121", "Tekstil"),
    ("20119", "Kimia"),
    ("22220", "Plastik"),
    ("25111", "Logam"),
)
PROVINCES = ("Jawa Barat", "Jawa Timur", "Jawa Tengah", "Banten", "Sumatera Utara")
SIZES = ("small", "medium", "large")


def company_id(n: int) -> str:
    """The tenant id of sample company ``n`` (1-based)."""
    return f"{PREFIX}{n:02d}"


def _tenant(n: int, now: datetime) -> TenantRow:
    kbli, word = SECTORS[n % len(SECTORS)]
    # Provinces and sizes step at other rates than sectors, so every pairing occurs.
    province = PROVINCES[(n // 2) % len(PROVINCES)]
    size = SIZES[(n // 3) % len(SIZES)]
    name = f"PT Contoh {word} {n:02d} ({LABEL})"
    return TenantRow(company_id(n), name, f"{n:013d}", kbli, province, size, "[]", now, now)


def _years(n: int, this_year: int) -> list[int]:
    """Every company this year, two in three last year, fewer before (each year >= 5)."""
    years = [this_year]
    if n % 3 != 0:
        years.append(this_year - 1)
    if n % 3 == 1:
        years.append(this_year - 2)
    if n % 5 == 0:
        years.append(this_year - 3)
    return sorted(years)


def _assess(base: Assessments, tenant: TenantRow, n: int, year: int, this_year: int) -> None:
    when = datetime(year, 6, 15, 3, 0, tzinfo=UTC) if year < this_year else base.clock()
    svc = Assessments(
        base.store, base.registry, data_dir=base.data_dir, clock=lambda: when,
        company_name=tenant.name, tenant_id=tenant.id, actor=ACTOR,
    )  # fmt: skip
    row = svc.create("indi40", title=f"Asesmen {year} ({LABEL})")
    model = svc.model_of(row)
    level = 0.6 + (n % 7) * 0.35 + (year - (this_year - 3)) * 0.3
    svc.save_answers(row.id, answers_at(model, level, seed=n * 10000 + year, note=LABEL))
    svc.submit(row.id)
    if (n + year) % 3 == 0:
        svc.start_verification(row.id, actor=ASSESSOR)
        svc.add_visit_note(row.id, f"Kunjungan {LABEL}.", actor=ASSESSOR)
        svc.verify(row.id, actor=ASSESSOR)


def add_sample_programme(base: Assessments, companies: int = COMPANIES) -> int:
    """Create the sample companies that are missing, with their results; how many were added."""
    now = base.clock()
    added = 0
    for n in range(1, companies + 1):
        if base.store.tenant(company_id(n)) is not None:
            continue
        tenant = _tenant(n, now)
        audit = AuditLogRow(tenant.id, ACTOR, "tenant.create", tenant.id, None, LABEL, now)
        base.store.save_tenant(tenant, [audit])
        for year in _years(n, now.year):
            _assess(base, tenant, n, year, now.year)
        added += 1
    return added
