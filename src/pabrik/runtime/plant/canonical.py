"""The canonical YAML of a site configuration: one text per configuration, stable byte for byte."""

from __future__ import annotations

import difflib
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import Enum
from pathlib import PurePath
from typing import Any

import yaml
from pydantic import BaseModel, SecretBytes, SecretStr

from pabrik.runtime.plant.siteconfig import SiteConfig


class _Dumper(yaml.SafeDumper):
    """Block style, lists indented under their key, no aliases."""

    def ignore_aliases(self, data: Any) -> bool:
        return True

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _plain(value: Any) -> Any:
    """A dumped model value as YAML scalars, lists and mappings (secrets in clear)."""
    if isinstance(value, dict):
        return {str(_scalar(k)): _plain(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return sorted((_plain(v) for v in value), key=str)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, BaseModel):
        return _plain(value.model_dump(exclude_defaults=True))
    return _scalar(value)


def _scalar(value: Any) -> Any:
    out = value
    if isinstance(value, SecretStr | SecretBytes):
        secret = value.get_secret_value()
        out = secret.decode() if isinstance(secret, bytes) else secret
    elif isinstance(value, Enum):
        out = _scalar(value.value)
    elif isinstance(value, Decimal):
        out = _decimal(value)
    elif isinstance(value, datetime | date | time):
        out = value.isoformat()
    elif isinstance(value, timedelta):
        out = value.total_seconds()
    elif isinstance(value, PurePath):
        out = str(value)
    return out


def _decimal(value: Decimal) -> int | float | str:
    if value == value.to_integral_value():
        return int(value)
    as_float = float(value)
    return as_float if Decimal(repr(as_float)) == value else str(value)


def site_data(site: SiteConfig) -> dict[str, Any]:
    """The configuration as plain data: settings left at their defaults are omitted."""
    data: dict[str, Any] = _plain(site.model_dump(exclude_defaults=True))
    # The connector kind is the union's tag, so it stays even though it is each model's default.
    data["connectors"] = [
        {"kind": c.kind, **{k: v for k, v in item.items() if k != "kind"}}
        for c, item in zip(site.connectors, data.get("connectors", []), strict=True)
    ]
    if not data["connectors"]:
        del data["connectors"]
    return data


def canonical_yaml(site: SiteConfig) -> str:
    """The canonical YAML text of a configuration, as stored and exported."""
    return yaml.dump(
        site_data(site),
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=100,
    )


def text_diff(old: str, new: str, old_name: str = "a", new_name: str = "b") -> str:
    """A unified diff of two canonical documents (empty when they are equal)."""
    lines = difflib.unified_diff(
        old.splitlines(keepends=True), new.splitlines(keepends=True), old_name, new_name, n=2
    )
    return "".join(lines)
