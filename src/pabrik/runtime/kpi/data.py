"""The data files the KPI engine reads: KPI metadata and national holiday lists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources

import yaml

from pabrik.kpi.catalogue import Catalogue, parse_catalogue


@dataclass(frozen=True, slots=True)
class Holiday:
    """One national holiday from a shipped list."""

    day: date
    name: str
    provisional: bool


@cache
def kpi_catalogue() -> Catalogue:
    """The KPI metadata shipped in ``pabrik/data/kpis.yaml``."""
    text = resources.files("pabrik.data").joinpath("kpis.yaml").read_text(encoding="utf-8")
    return parse_catalogue(yaml.safe_load(text))


@cache
def holiday_list(country: str) -> tuple[Holiday, ...]:
    """The shipped holidays of a country (ISO 3166 code), or none when no list ships."""
    folder = resources.files("pabrik.data").joinpath("holidays")
    path = folder.joinpath(f"{country}.yaml")
    if not path.is_file():
        return ()
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return tuple(
        Holiday(item["date"], item["name"], bool(item.get("provisional", False)))
        for item in data["holidays"]
    )


def shipped_holidays(country: str | None) -> dict[str, frozenset[date]]:
    """The holiday dates by country, as ``holiday_dates`` wants them."""
    if country is None:
        return {}
    return {country: frozenset(h.day for h in holiday_list(country))}
