"""A fresh demo data folder has a verified sample assessment with its roadmap, a programme view
with data in every chart, and the example directory; seeding twice adds nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pabrik.runtime.app import Runtime, build_runtime
from pabrik.runtime.assess.service import build_assessments
from pabrik.runtime.demo.programme import COMPANIES, LABEL
from pabrik.runtime.demo.seed import SeedReport, seed_demo
from pabrik.runtime.partners.directory import Partners
from pabrik.runtime.programme.view import export_csv, programme_view
from pabrik.runtime.settings import Settings
from pabrik.web.programme.routes import ProgrammePublic
from tests.paths import DEMO


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Runtime, SeedReport]]:
    settings = Settings(config=DEMO, data_dir=tmp_path_factory.mktemp("demo-data"))
    runtime = build_runtime(settings)
    runtime.backfill(days=0.1)
    first = seed_demo(runtime)
    yield runtime, first
    runtime.close()


def test_the_demo_company_has_a_verified_sample_assessment_with_a_roadmap(
    seeded: tuple[Runtime, SeedReport],
) -> None:
    runtime, report = seeded
    assert report.assessment is not None
    base = build_assessments(runtime)
    svc = base.for_tenant("default", "", "demo", with_plant=True)
    row = svc.get(report.assessment)
    assert row.status == "verified"
    assert LABEL in row.title
    roadmap = svc.roadmap(row.id)
    assert roadmap.steps
    assert svc.training(roadmap)
    assert all(LABEL in a.note for a in svc.answers(row.id).values())  # and so do its exports


def test_every_programme_chart_shows_something_and_says_it_is_a_sample(
    seeded: tuple[Runtime, SeedReport],
) -> None:
    runtime, report = seeded
    assert report.companies == COMPANIES >= 40
    view = programme_view(build_assessments(runtime), runtime.settings.k_anonymity)
    assert view.total is not None
    assert view.total.n > COMPANIES
    for b in view.breakdowns:
        assert len(b.groups) >= 3, b.dimension
        assert "other" not in {g.key for g in b.groups}
    assert len(view.trend) >= 3
    assert all(c is not None for row in view.heat_map.cells for c in row)
    assert view.gaps
    assert view.steps
    assert view.provenance["verified"]
    assert view.provenance["self_assessed"]
    assert view.sample
    assert ProgrammePublic.of(view).sample  # the JSON API says so too
    assert LABEL in export_csv(view)


def test_the_example_directory_is_there_and_a_second_run_adds_nothing(
    seeded: tuple[Runtime, SeedReport],
) -> None:
    runtime, report = seeded
    base = build_assessments(runtime)
    entries = Partners(runtime.store, base.catalogue, runtime.clock).entries()
    assert len(entries) == report.partners >= 10
    assert all(e.sample and LABEL in e.name for e in entries)
    tenants = len(runtime.store.tenants())
    again = seed_demo(runtime)
    assert (again.assessment, again.companies, again.partners) == (None, 0, 0)
    assert len(runtime.store.tenants()) == tenants
    svc = base.for_tenant("default", "", "demo", with_plant=True)
    assert sum(1 for r in svc.all() if LABEL in r.title) == 1
