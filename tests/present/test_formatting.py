"""One formatter for every surface: numbers, money, dates, durations and KPI values."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from fractions import Fraction

import pytest

from pabrik.present.formatting import Formatter
from pabrik.present.i18n import Catalogues
from pabrik.runtime.kpi.views import KpiValueView


@pytest.fixture(scope="module")
def catalogues() -> Catalogues:
    return Catalogues.load()


def fmt(catalogues: Catalogues, lang: str, zone: str = "Asia/Jakarta") -> Formatter:
    return Formatter(catalogues.get(lang), zone)


def kpi(value: Fraction | float | None, unit: str, missing: str | None = None) -> KpiValueView:
    return KpiValueView("x", value, unit, "", "higher", missing)


def test_money_is_whole_rupiah_with_the_locales_separators(catalogues: Catalogues) -> None:
    assert fmt(catalogues, "id").money(Fraction(24691347, 20)) == "Rp 1.234.567"
    assert fmt(catalogues, "en").money(Decimal("1234567.4")) == "Rp 1,234,567"
    assert fmt(catalogues, "id").money(None) == "–"


def test_large_sums_are_said_in_millions_and_billions(catalogues: Catalogues) -> None:
    assert fmt(catalogues, "id").money_compact(300_000_000) == "Rp 300 juta"
    assert fmt(catalogues, "id").money_compact(1_500_000_000) == "Rp 1,5 miliar"
    assert fmt(catalogues, "en").money_compact(300_000_000) == "Rp 300 million"


def test_a_calendar_date_reads_like_every_other_date(catalogues: Catalogues) -> None:
    assert fmt(catalogues, "id").date(date(2026, 12, 4)) == "4 Des 2026"
    assert fmt(catalogues, "en").date(date(2026, 12, 4)) == "Dec 4, 2026"


def test_an_instants_date_is_the_plants_local_date(catalogues: Catalogues) -> None:
    late = datetime(2026, 12, 3, 18, 0, tzinfo=UTC)
    assert fmt(catalogues, "id").date(late) == "4 Des 2026"
    assert fmt(catalogues, "id", "Asia/Jayapura").date_time(late) == "4 Des 2026 03.00"
    assert fmt(catalogues, "id").wall_clock(late) == datetime(2026, 12, 4, 1, 0)  # noqa: DTZ001


def test_durations_use_the_glossarys_unit_words(catalogues: Catalogues) -> None:
    assert fmt(catalogues, "id").duration(65 * 60_000) == "1 j 05 mnt"
    assert fmt(catalogues, "en").duration(65 * 60_000) == "1 h 05 min"
    assert fmt(catalogues, "id").duration(9 * 60_000) == "9 mnt"


def test_a_quantity_carries_its_unit_in_words(catalogues: Catalogues) -> None:
    assert fmt(catalogues, "id").quantity(Fraction(2676, 10), "kWh") == "267,6 kWh"
    assert fmt(catalogues, "id").quantity(1.44, "machine_h") == "1,4 jam-mesin"
    assert fmt(catalogues, "en").quantity(1.44, "machine_h") == "1.4 machine-hours"
    assert fmt(catalogues, "id").quantity(3, "index") == "3"
    assert fmt(catalogues, "id").quantity(None, "kWh") == "–"


def test_a_kpi_value_is_a_percentage_a_quantity_or_why_it_is_missing(
    catalogues: Catalogues,
) -> None:
    f = fmt(catalogues, "id")
    assert f.kpi_value(kpi(Fraction(3, 4), "ratio")) == "75,0\u00a0%"
    assert f.kpi_value(kpi(0.5, "h")) == "0,5 j"
    assert f.kpi_value(kpi(None, "h", "no_failures")) == "– (Tidak ada kegagalan)"
    assert fmt(catalogues, "en").kpi_value(kpi(0.5, "h")) == "0.5 h"


def test_fixed_decimals_and_percentages(catalogues: Catalogues) -> None:
    assert fmt(catalogues, "id").decimal(Fraction(1, 4), 2) == "0,25"
    assert fmt(catalogues, "en").decimal(1234.5, 0) == "1,234"
    assert fmt(catalogues, "id").percent(None) == "–"
    assert fmt(catalogues, "en").percent(Fraction(1, 8)) == "12.5%"


def test_terms_come_from_the_glossary(catalogues: Catalogues) -> None:
    assert fmt(catalogues, "id").term("loss.minor_stops") == "Henti singkat"
    assert fmt(catalogues, "en").kpi_name("quality_ratio") == "Quality"
