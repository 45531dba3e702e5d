"""The version history as people read it: who, when, why, and what changed, secrets masked."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from pabrik.connectors.contract import REDACTED, SECRET_KEY
from pabrik.runtime.plant.canonical import text_diff
from pabrik.runtime.plant.configstore import SiteConfigs

# A YAML line of the canonical form, possibly inside a diff: marker, indent, key, value.
_LINE = re.compile(r"^(?P<head>[-+ ]?\s*(?:- )?)(?P<key>[A-Za-z0-9_]+):(?P<value> .+)$")


@dataclass(frozen=True, slots=True)
class VersionView:
    """One row of the history page."""

    version: int
    saved_by: str
    saved_at: datetime
    note: str
    restored_from: int | None
    current: bool
    diff: str
    """What changed from the version before, as a unified diff with secrets masked."""


def redacted(text: str) -> str:
    """YAML (or a diff of it) with the value of every secret-looking key masked."""
    return "".join(_masked(line) for line in text.splitlines(keepends=True))


def _masked(line: str) -> str:
    m = _LINE.match(line.rstrip("\n"))
    if m is None or not SECRET_KEY.search(m.group("key")):
        return line
    return f"{m.group('head')}{m.group('key')}: {REDACTED}" + "\n" * line.endswith("\n")


def _text(configs: SiteConfigs, n: int) -> str:
    row = configs.store.config_version(configs.site_key, n)
    return "" if row is None else row.document


def history(configs: SiteConfigs, limit: int = 50) -> list[VersionView]:
    """The newest versions first, each with its change from the one before."""
    metas = configs.versions()[:limit]
    head = metas[0].version if metas else 0
    wanted = [m.version for m in metas] + ([metas[-1].version - 1] if metas else [])
    texts = {n: _text(configs, n) for n in wanted if n > 0}
    views = []
    for m in metas:
        before = texts.get(m.version - 1, "")
        diff = text_diff(before, texts[m.version], f"v{m.version - 1}", f"v{m.version}")
        views.append(
            VersionView(
                m.version,
                m.saved_by,
                m.saved_at,
                m.note,
                m.restored_from,
                m.version == head,
                redacted(diff),
            )
        )
    return views


def changes_since(configs: SiteConfigs, base: int) -> list[VersionView]:
    """The versions saved after ``base``, newest first, each with its change (secrets masked)."""
    return [v for v in history(configs, max(1, configs.head() - base)) if v.version > base]
