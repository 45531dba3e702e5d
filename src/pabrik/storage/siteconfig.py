"""The store contract for the versioned site configuration (one history per site key)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class ConfigVersionRow:
    """One saved version of a site configuration: its canonical YAML and who saved it."""

    version: int
    document: str
    saved_by: str
    saved_at: datetime
    note: str
    restored_from: int | None = None


class SiteConfigStore(Protocol):
    """Versions of the site configuration, appended and never changed."""

    def config_head(self, site_key: str) -> int:
        """The newest version number of a site configuration (0 when none is stored)."""
        ...

    def config_version(self, site_key: str, version: int | None = None) -> ConfigVersionRow | None:
        """One version (the newest without ``version``), or None when there is no such version."""
        ...

    def config_versions(self, site_key: str) -> list[ConfigVersionRow]:
        """Every version of a site configuration, newest first."""
        ...

    def add_config_version(self, site_key: str, row: ConfigVersionRow) -> bool:
        """Append a version if its number is the next one; False when another save took it."""
        ...
