"""The YAML file as the import and export form of the stored site configuration."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pabrik.model.errors import ConfigError, ConfigIssue, NotFoundError
from pabrik.runtime.health.ops import StoreGate, wait_or_fail
from pabrik.runtime.health.storeadmin import open_store
from pabrik.runtime.ingest.pipeline import utc_now
from pabrik.runtime.plant.configstore import ConfigVersion, SiteConfigs, adopt_site
from pabrik.runtime.plant.history import redacted
from pabrik.runtime.plant.siteconfig import SiteConfig, load_site
from pabrik.runtime.settings import Settings


@contextmanager
def stored_configs(settings: Settings) -> Iterator[SiteConfigs]:
    """The versioned configuration of the store the settings name, ready to read and save."""
    store = open_store(settings)
    try:
        wait_or_fail(StoreGate(store, settings.database_label()), settings.db_wait_s)
        yield SiteConfigs(store, utc_now)
    finally:
        store.close()


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What an import did: the version now current and whether the file made a new one."""

    version: int
    created: bool


def export_config(settings: Settings, version: int | None = None) -> tuple[int, str]:
    """The canonical YAML of the current (or a given) version, with its number."""
    with stored_configs(settings) as configs:
        doc = configs.current() if version is None else configs.version(version)
        if doc is None:
            raise NotFoundError(
                "no configuration is stored yet: import a file or use the setup wizard"
            )
        return doc.meta.version, doc.text


def import_config(settings: Settings, path: Path, user: str, note: str = "") -> ImportResult:
    """Validate a file (errors by path and line) and store it as a new version if it differs."""
    site = load_site(path)
    with stored_configs(settings) as configs:
        head = configs.head()
        version = configs.save(site, user, note or f"imported from {path}")
        return ImportResult(version, version != head)


def config_history(settings: Settings) -> list[ConfigVersion]:
    """Every stored version, newest first."""
    with stored_configs(settings) as configs:
        return configs.versions()


def config_diff(settings: Settings, a: int, b: int) -> str:
    """Unified diff between two stored versions, for people: secrets masked."""
    with stored_configs(settings) as configs:
        return redacted(configs.diff(a, b))


def write_export(path: Path, text: str) -> None:
    """Write an export readable by its owner only: it holds connector passwords in clear."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    # O_CREAT's mode only applies to a new file; an existing one is tightened as well.
    os.chmod(path, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)


def restore_config(settings: Settings, version: int, user: str, note: str = "") -> int:
    """Make an earlier version current again, as a new version."""
    with stored_configs(settings) as configs:
        return configs.restore(version, user, note)


def starting_site(settings: Settings, configs: SiteConfigs) -> tuple[SiteConfig, int]:
    """A process's site at start: as ``serve`` adopts it; ConfigError when there is none."""
    file_site = load_site(settings.config) if settings.config is not None else None
    site, version = adopt_site(configs, file_site, str(settings.config))
    if site is None:
        issue = ConfigIssue("", "no configuration: set the site up in the browser or import one")
        raise ConfigError("<store>", [issue])
    return site, version
