"""Saving, listing, comparing and restoring versions of the site configuration (both backends)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from pabrik.model.errors import ConfigError, InvalidRequestError, NotFoundError
from pabrik.runtime.plant.canonical import canonical_yaml
from pabrik.runtime.plant.configstore import FILE_IMPORTER, SiteConfigs, adopt_site
from pabrik.runtime.plant.history import redacted
from pabrik.runtime.plant.siteconfig import load_site, parse_site, validate_site
from pabrik.storage.postgres.store import PostgresStore
from pabrik.storage.siteconfig import ConfigVersionRow
from pabrik.storage.sqlite.store import SqliteStore
from pabrik.storage.store import Store
from tests.paths import DEMO
from tests.runtime.plant.configsites import EVERY_KIND, SECRET_MQTT, renamed, site

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    s: Store
    if request.param == "sqlite":
        s = SqliteStore(tmp_path / "v.sqlite")
    else:
        s = PostgresStore(request.getfixturevalue("pg_url"), pool_size=2)
    s.upgrade()
    yield s
    s.close()


@pytest.fixture
def configs(store: Store) -> SiteConfigs:
    ticks = iter(range(1000))
    return SiteConfigs(store, lambda: T0 + timedelta(minutes=next(ticks)))


def test_every_save_is_a_version_with_who_when_note_and_a_readable_diff(
    configs: SiteConfigs,
) -> None:
    first = site()
    assert configs.current() is None
    assert configs.save(first, "ani", "first") == 1
    assert configs.save(renamed(first, "Pabrik Baru"), "budi", "new name") == 2
    versions = configs.versions()
    assert [(v.version, v.saved_by, v.note) for v in versions] == [
        (2, "budi", "new name"),
        (1, "ani", "first"),
    ]
    assert versions[0].saved_at == T0 + timedelta(minutes=1)
    doc = configs.version(2)
    assert doc.site == renamed(first, "Pabrik Baru")
    assert "-  name: Pabrik Uji\n+  name: Pabrik Baru\n" in doc.diff
    assert configs.diff(1, 2) == doc.diff
    assert configs.diff(2, 2) == ""


def test_an_unchanged_save_makes_no_version(configs: SiteConfigs) -> None:
    assert configs.save(site(), "ani") == 1
    assert configs.save(site(), "budi", "same again") == 1
    assert configs.head() == 1


def test_restore_makes_a_new_version_equal_to_the_old_one(configs: SiteConfigs) -> None:
    configs.save(site(), "ani")
    configs.save(renamed(site(), "Lain"), "ani")
    assert configs.restore(1, "budi") == 3
    restored = configs.version(3)
    assert restored.text == configs.version(1).text
    assert restored.meta.restored_from == 1
    assert restored.meta.note == "restore v1"
    with pytest.raises(NotFoundError):
        configs.restore(7, "budi")


def test_a_save_from_a_stale_version_is_refused(configs: SiteConfigs) -> None:
    configs.save(site(), "ani")
    configs.save(renamed(site(), "Dua"), "budi", base=1)
    with pytest.raises(InvalidRequestError) as caught:
        configs.save(renamed(site(), "Tiga"), "ani", base=1)
    assert caught.value.details == {"reason": "config_conflict", "base": 1, "head": 2}


def test_text_is_validated_and_explained_by_path(configs: SiteConfigs) -> None:
    with pytest.raises(ConfigError) as caught:
        configs.save_text("site: {id: Bad Id, name: x}\nareas: []\n", "ani")
    paths = {i.path for i in caught.value.issues}
    assert {"site.id", "areas"} <= paths
    assert configs.head() == 0


def test_form_data_is_validated_by_path_without_lines() -> None:
    data = yaml.safe_load(canonical_yaml(site()))
    data["areas"][0]["lines"][0]["machines"][1]["products"][0]["ideal_cycle_time_s"] = 0
    with pytest.raises(ConfigError) as caught:
        validate_site(data)
    (issue,) = caught.value.issues
    assert issue.path == "areas[0].lines[0].machines[1].products[0].ideal_cycle_time_s"
    assert issue.message == "must be > 0"


@pytest.mark.parametrize("extra", ["", SECRET_MQTT, EVERY_KIND])
def test_the_canonical_text_reads_back_to_the_same_configuration(extra: str) -> None:
    original = site(extra)
    text = canonical_yaml(original)
    assert parse_site(text) == original
    assert canonical_yaml(parse_site(text)) == text


def test_the_demo_plant_survives_the_canonical_round_trip() -> None:
    demo = load_site(DEMO)
    assert parse_site(canonical_yaml(demo)) == demo


def test_start_imports_the_file_once_then_follows_the_store(
    configs: SiteConfigs, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="pabrik.runtime.plant.configstore")
    file_site = site()
    assert adopt_site(configs, file_site, "site.yaml") == (file_site, 1)
    assert configs.versions()[0].saved_by == FILE_IMPORTER
    edited = renamed(file_site, "Diubah di peramban")
    configs.save(edited, "ani", "browser edit")
    # The same file again: the browser's later version wins, and the log says so.
    assert adopt_site(configs, file_site, "site.yaml") == (edited, 2)
    assert "unchanged since" in caplog.text
    # The file edited since its import: it becomes a new version, the old one restorable.
    again = renamed(file_site, "Diubah di berkas")
    assert adopt_site(configs, again, "site.yaml") == (again, 3)
    assert adopt_site(configs, None, "-") == (again, 3)


def test_no_file_and_nothing_stored_waits_for_the_wizard(configs: SiteConfigs) -> None:
    assert adopt_site(configs, None, "-") == (None, 0)


def test_commands_other_than_a_start_read_the_file_without_storing_it(
    configs: SiteConfigs,
) -> None:
    file_site = site()
    assert adopt_site(configs, file_site, "site.yaml", store_file=False) == (file_site, 0)
    assert configs.head() == 0
    configs.save(renamed(file_site, "Tersimpan"), "ani")
    other = renamed(file_site, "Berkas lain")
    assert adopt_site(configs, other, "site.yaml", store_file=False) == (
        renamed(file_site, "Tersimpan"),
        1,
    )
    assert configs.head() == 1


def test_workers_starting_together_import_the_file_once(store: Store) -> None:
    file_site = site()

    class Twin:
        """The store as seen by one worker while a twin imports the same file first."""

        def __getattr__(self, name: str) -> object:
            return getattr(store, name)

        def add_config_version(self, site_key: str, row: ConfigVersionRow) -> bool:
            store.add_config_version(site_key, replace(row, saved_by="twin"))
            self.add_config_version = store.add_config_version  # type: ignore[method-assign]
            return store.add_config_version(site_key, row)

    configs = SiteConfigs(Twin(), lambda: T0)  # type: ignore[arg-type]
    assert adopt_site(configs, file_site, "site.yaml") == (file_site, 1)
    assert [v.saved_by for v in configs.versions()] == ["twin"]


def test_the_history_masks_every_secret_of_every_kind() -> None:
    text = canonical_yaml(site(EVERY_KIND + SECRET_MQTT.replace("connectors:\n", "")))
    assert "r@hasia" in text
    masked = redacted(text)
    for secret in ("r@hasia", "x'y", "rahasia"):
        assert secret not in masked
    assert masked.count("password: **redacted**") == 3
