"""The site configuration kept in the store: every save a new version, any version restorable."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from pabrik.model.errors import InvalidRequestError, NotFoundError
from pabrik.runtime.plant.canonical import canonical_yaml, text_diff
from pabrik.runtime.plant.siteconfig import SiteConfig, parse_site
from pabrik.storage.siteconfig import ConfigVersionRow, SiteConfigStore

log = logging.getLogger(__name__)

SITE_KEY = "site"
"""The one site a database holds today (the document itself names its owning tenant)."""


@dataclass(frozen=True, slots=True)
class ConfigVersion:
    """Who saved a version, when and why (``restored_from``: the version a restore copied)."""

    version: int
    saved_by: str
    saved_at: datetime
    note: str
    restored_from: int | None


@dataclass(frozen=True, slots=True)
class ConfigDocument:
    """One version in full: its record, canonical YAML, the validated model and what changed."""

    meta: ConfigVersion
    text: str
    site: SiteConfig
    diff: str
    """Unified diff from the version before it (the whole text for version 1)."""


def _meta(row: ConfigVersionRow) -> ConfigVersion:
    return ConfigVersion(row.version, row.saved_by, row.saved_at, row.note, row.restored_from)


class SiteConfigs:
    """Read, save, compare and restore versions of the site configuration."""

    def __init__(
        self, store: SiteConfigStore, clock: Callable[[], datetime], site_key: str = SITE_KEY
    ) -> None:
        self.store = store
        self.clock = clock
        self.site_key = site_key

    def head(self) -> int:
        """The newest version number (0 when the store holds no configuration yet)."""
        return self.store.config_head(self.site_key)

    def current(self) -> ConfigDocument | None:
        """The newest version, or None before the first save."""
        row = self.store.config_version(self.site_key)
        return None if row is None else self._document(row)

    def versions(self) -> list[ConfigVersion]:
        """Every version, newest first."""
        return [_meta(r) for r in self.store.config_versions(self.site_key)]

    def version(self, n: int) -> ConfigDocument:
        """Version ``n`` in full; NotFoundError when there is none."""
        return self._document(self._row(n))

    def diff(self, a: int, b: int) -> str:
        """Unified diff of the canonical YAML from version ``a`` to version ``b``."""
        return text_diff(self._row(a).document, self._row(b).document, f"v{a}", f"v{b}")

    def save(self, site: SiteConfig, user: str, note: str = "", *, base: int | None = None) -> int:
        """Store ``site`` as a new version (none when unchanged); refused if ``base`` is stale."""
        return self._append(canonical_yaml(site), user, note, base, None)

    def save_text(self, text: str, user: str, note: str = "", *, base: int | None = None) -> int:
        """Validate a YAML document (ConfigError by path and line) and save it like ``save``."""
        return self.save(parse_site(text), user, note, base=base)

    def restore(self, n: int, user: str, note: str = "") -> int:
        """Make version ``n`` current again, as a new version equal to it."""
        row = self._row(n)
        return self._append(row.document, user, note or f"restore v{n}", None, n)

    def _append(
        self, text: str, user: str, note: str, base: int | None, restored_from: int | None
    ) -> int:
        current = self.store.config_version(self.site_key)
        head = 0 if current is None else current.version
        if base is not None and base != head:
            raise _conflict(base, head)
        if current is not None and current.document == text and restored_from is None:
            return head
        row = ConfigVersionRow(head + 1, text, user, self.clock(), note, restored_from)
        if not self.store.add_config_version(self.site_key, row):
            raise _conflict(head, self.head())
        return head + 1

    def _row(self, n: int) -> ConfigVersionRow:
        row = self.store.config_version(self.site_key, n)
        if row is None:
            raise NotFoundError(f"configuration version {n} not found", version=n)
        return row

    def _document(self, row: ConfigVersionRow) -> ConfigDocument:
        before = self.store.config_version(self.site_key, row.version - 1)
        old = "" if before is None else before.document
        diff = text_diff(old, row.document, f"v{row.version - 1}", f"v{row.version}")
        site = parse_site(row.document, f"configuration v{row.version}")
        return ConfigDocument(_meta(row), row.document, site, diff)


def is_conflict(err: Exception) -> bool:
    """Whether a save was refused because someone saved after the version it started from."""
    return isinstance(err, InvalidRequestError) and err.details.get("reason") == "config_conflict"


def _conflict(base: int, head: int) -> InvalidRequestError:
    return InvalidRequestError(
        f"the configuration changed since version {base} (now {head}): reload and save again",
        reason="config_conflict",
        base=base,
        head=head,
    )


_DASH = {"id": "-"}
_PLACEHOLDER = {
    "site": {"id": "belum-diatur", "name": "Belum diatur / not set up"},
    "areas": [
        {
            "id": "area",
            "name": _DASH,
            "lines": [
                {
                    "id": "lini",
                    "name": _DASH,
                    "machines": [
                        {
                            "id": "mesin",
                            "name": _DASH,
                            "products": [{"id": "produk", "name": _DASH, "ideal_cycle_time_s": 1}],
                        }
                    ],
                }
            ],
        }
    ],
    "calendar": {"shifts": [{"id": "hari", "name": _DASH, "start": "00:00", "end": "23:59"}]},
}


def placeholder_site() -> SiteConfig:
    """What an unconfigured instance runs until the first save: one idle machine, no connector."""
    return SiteConfig.model_validate(_PLACEHOLDER)


FILE_IMPORTER = "file"
"""Who saved a version that ``serve --config``, ``demo`` or ``ingest`` imported at start."""


def adopt_site(
    configs: SiteConfigs, file_site: SiteConfig | None, source: str, *, store_file: bool = True
) -> tuple[SiteConfig | None, int]:
    """The configuration to start with: the stored one, unless the file changed since its import."""
    current = configs.current()
    if current is None:
        return _first(configs, file_site, source, store_file)
    stored = (current.site, current.meta.version)
    text = None if file_site is None else canonical_yaml(file_site)
    if text is None or text == current.text:
        log.info("configuration: using stored version %d", current.meta.version)
        return stored
    if not store_file or text == _last_import(configs):
        log.warning(
            "configuration: using stored version %d; %s differs from it and is not stored"
            " (unchanged since its import, or not a start-up; pabrik config import stores it)",
            current.meta.version,
            source,
        )
        return stored
    assert file_site is not None
    version = _import(configs, file_site, source)
    log.warning(
        "configuration: %s changed since it was last imported: imported as version %d"
        " (version %d stays restorable)",
        source,
        version,
        current.meta.version,
    )
    return file_site, version


def _first(
    configs: SiteConfigs, file_site: SiteConfig | None, source: str, store_file: bool
) -> tuple[SiteConfig | None, int]:
    """Nothing stored yet: import the file (a start-up), only read it, or wait for the wizard."""
    if file_site is None:
        log.warning("configuration: none stored and no file given; the setup wizard is waiting")
        return None, 0
    if not store_file:
        log.info("configuration: none stored; reading %s without storing it", source)
        return file_site, 0
    version = _import(configs, file_site, source)
    log.info("configuration: first start, imported %s as version %d", source, version)
    return file_site, version


def _import(configs: SiteConfigs, site: SiteConfig, source: str) -> int:
    """Store the file as a version; a twin process that just did the same wins the number."""
    try:
        return configs.save(site, FILE_IMPORTER, f"imported from {source}")
    except InvalidRequestError:
        # Several workers starting with one file: the first import stands for all of them.
        return configs.save(site, FILE_IMPORTER, f"imported from {source}")


def _last_import(configs: SiteConfigs) -> str | None:
    """The document the newest start-up import stored, if any."""
    for meta in configs.versions():
        if meta.saved_by == FILE_IMPORTER and meta.restored_from is None:
            return configs.version(meta.version).text
    return None
