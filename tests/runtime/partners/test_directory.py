"""The partner directory: checked entries, CSV import with row errors, matching, contact."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pabrik.model.errors import InvalidRequestError
from pabrik.runtime.assess.data import load_registry
from pabrik.runtime.partners.directory import Partners
from pabrik.runtime.partners.example import LABEL, load_example
from pabrik.runtime.partners.match import CompanyFacts
from pabrik.storage.accounts import TenantRow
from pabrik.storage.sqlite.store import SqliteStore

T0 = datetime(2026, 12, 4, tzinfo=UTC)
NEAR = CompanyFacts("Jawa Barat", "22", "medium")


@pytest.fixture
def partners(tmp_path: Path) -> Iterator[Partners]:
    store = SqliteStore(tmp_path / "p.sqlite")
    store.upgrade()
    yield Partners(store, load_registry().catalogue, lambda: T0)
    store.close()


def _form(**extra: object) -> dict[str, object]:
    return {"id": "x-1", "kind": "integrator", "name": "X", "practices": "cmms"} | extra


def test_the_example_directory_is_all_samples_and_loads_once(partners: Partners) -> None:
    added = load_example(partners)
    assert added >= 10
    assert load_example(partners) == 0
    entries = partners.entries()
    assert len(entries) == added
    assert all(e.sample and LABEL in e.name for e in entries)
    assert {e.group for e in entries} == {"provider", "training", "programme"}
    assert {e.origin for e in entries} >= {"id", "kr"}


def test_an_entry_with_unknown_tags_is_refused_with_every_reason(partners: Partners) -> None:
    bad = _form(id="Bad Id", kind="wizard", practices="teleport", provinces="Atlantis", email="x")
    with pytest.raises(InvalidRequestError) as err:
        partners.save("admin", bad, new=True)
    for word in ("id:", "kind:", "practices:", "provinces:", "email:"):
        assert word in str(err.value)


def test_create_then_edit_is_audited_and_a_taken_id_is_refused(partners: Partners) -> None:
    partners.save("admin", _form(), new=True)
    with pytest.raises(InvalidRequestError):
        partners.save("admin", _form(), new=True)
    partners.save("admin", _form(name="Y"), new=False)
    assert partners.entry("x-1").name == "Y"
    assert [a.action for a in partners.audit()] == ["partners.edit", "partners.create"]


def test_a_csv_import_saves_good_rows_and_names_the_bad_ones(partners: Partners) -> None:
    text = (
        "id,kind,name,practices,skills,provinces,languages\n"
        "a-1,integrator,A,cmms;mes-lite,,Jawa Barat,id\n"
        "b-1,university,B,,spc|oee,,en\n"
        "c-1,alien,C,nothing,,Mars,xx\n"
        "a-1,integrator,A again,cmms,,,\n"
    )
    report = partners.import_file("admin", text.encode(), "mitra.csv")
    assert (report.created, report.updated) == (2, 0)
    assert [p.row for p in report.problems] == [4, 5]
    assert "kind:" in " ".join(report.problems[0].reasons)
    assert "duplicate" in report.problems[1].reasons[0]
    again = partners.import_file("admin", text.encode(), "mitra.csv")
    assert (again.created, again.updated) == (0, 2)
    assert partners.entry("a-1").tag("practices") == ("cmms", "mes-lite")


def test_matches_near_the_company_come_first_and_far_ones_are_left_out(
    partners: Partners,
) -> None:
    load_example(partners)
    found = partners.help(NEAR, practice="connect-bottleneck")
    assert found[0].near
    assert "Jawa Barat" in found[0].entry.tag("provinces")
    far = partners.help(CompanyFacts("Papua", "22", "medium"), practice="connect-bottleneck")
    assert all(not m.near and not m.entry.tag("provinces") for m in far)
    large = partners.help(CompanyFacts("Papua", "22", "large"), practice="network-survey")
    assert all(not m.entry.tag("sizes") or "large" in m.entry.tag("sizes") for m in large)
    assert "contoh-hibah-transformasi" not in {m.entry.id for m in large}


def test_a_contact_request_needs_consent_and_is_logged_and_audited(partners: Partners) -> None:
    load_example(partners)
    partners.store.save_tenant(
        TenantRow("pt-a", "PT A", None, "22220", "Jawa Barat", "medium", "[]", T0, T0), []
    )
    with pytest.raises(InvalidRequestError):
        partners.contact("pt-a", "budi", "contoh-sensorindo", "cmms", "Halo", consent=False)
    assert partners.contacts(None) == []
    row = partners.contact("pt-a", "budi", "contoh-sensorindo", "cmms", "Halo", consent=True)
    assert row.tenant_id == "pt-a"
    assert '"company": "PT A"' in row.shared_json
    assert [c.partner_id for c in partners.contacts("pt-a")] == ["contoh-sensorindo"]
    assert partners.audit()[0].action == "partners.contact"
