"""Where the wizard's result goes: the one switch point to the versioned config store."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pabrik.runtime.plant.siteconfig import SiteConfig

if TYPE_CHECKING:
    from pabrik.runtime.app import Runtime


def is_configured(runtime: Runtime) -> bool:
    """Whether the site has a configuration (the wizard is for sites without one)."""
    return runtime.configured


def save_site(runtime: Runtime, site: SiteConfig, user: str, note: str) -> int:
    """Save ``site`` as a new configuration version by ``user``; return its number."""
    return runtime.save_config(site, user, note, base=runtime.config_version)
