"""Site documents for the configuration tests: the small test plant, with and without secrets."""

from __future__ import annotations

from pabrik.runtime.plant.siteconfig import SiteConfig, parse_site
from tests.connectors.peers import TEST_SITE

SECRET_MQTT = """
connectors:
  - kind: mqtt
    id: lab
    broker: {host: 127.0.0.1, port: 1883, username: pabrik, password: "rahasia: 'x' #1"}
    native: false
    topic_map:
      - {filter: "legacy/+machine/sensor", machine: "{machine}", kind: sample,
         signal: temperature, fields: {ts: t, value: v}}
"""


def site(extra: str = "") -> SiteConfig:
    """The test plant, plus any YAML appended (connectors, alarms)."""
    return parse_site(TEST_SITE + extra)


def renamed(base: SiteConfig, name: str) -> SiteConfig:
    """The same site under another display name: a small, visible change."""
    info = base.site.model_copy(update={"name": name})
    return base.model_copy(update={"site": info})
