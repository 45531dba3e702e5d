"""The one place the connector pages read the site, save it and read running state.

Saving goes through the runtime's versioned configuration (``Runtime.save_config``), which
starts, stops or reconfigures connectors without a restart.
"""

from __future__ import annotations

from typing import Any

from pabrik.runtime.plant.siteconfig import SiteConfig

# id -> (state, last error, records received)
States = dict[str, tuple[str, str | None, int]]


def current_site(runtime: Any) -> SiteConfig:
    """The site configuration the runtime runs now."""
    site: SiteConfig = runtime.site
    return site


async def save_site(
    runtime: Any, site: SiteConfig, user: str, note: str, *, base: int | None = None
) -> int:
    """Save a new version of the site and apply it in this process before returning.

    With ``base`` (the version the form was loaded from) the save is refused when someone
    saved after it (``configstore.is_conflict``), instead of silently undoing their change.
    """
    version: int = runtime.save_config(site, user, note, base=base)
    await runtime.reload_config()
    return version


def running_states(runtime: Any) -> States:
    """Each supervised connector's state, last error and records received."""
    return {s.id: (s.state, s.last_error, s.received) for s in runtime.connector_states()}
