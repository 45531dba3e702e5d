"""The one formatter: numbers, percentages, money, dates, times and durations (Babel).

Every surface (pages, PDFs, XLSX) formats through a ``Formatter`` for the site's locale and
the plant's time zone, and takes its unit words from the glossary.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction

from babel.dates import format_skeleton
from babel.numbers import format_compact_decimal, format_decimal, format_percent
from markupsafe import Markup

from pabrik.present.i18n import Translator
from pabrik.present.labels import (
    RATIO_REASON_KEYS,
    Worded,
    coded,
    duration_patterns,
    kpi_label,
    loss_label,
    state_label,
    term,
    unit_label,
)
from pabrik.runtime.kpi.views import KpiValueView, Ratio

MISSING = "–"
_PERCENT_PATTERNS = {"id": "#,##0.0\u00a0%", "en": "#,##0.0%"}
_MS_PER_MINUTE = 60_000
Amount = Fraction | Decimal | float | int


@dataclass(frozen=True, slots=True)
class Formatter:
    """Formats values for one locale and one plant time zone."""

    translator: Translator
    timezone: str

    @property
    def locale(self) -> str:
        """The Babel locale code."""
        return self.translator.locale

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        """The plant's zone."""
        return zoneinfo.ZoneInfo(self.timezone)

    def percent_text(self, value: float) -> str:
        """A fraction (0.748) as a percentage with one decimal (``74,8 %``)."""
        pattern = _PERCENT_PATTERNS.get(self.locale, _PERCENT_PATTERNS["en"])
        return format_percent(value, format=pattern, locale=self.locale)

    def percent(self, value: Amount | None) -> str:
        """A fraction as a percentage, or a dash when there is none."""
        return MISSING if value is None else self.percent_text(float(value))

    def ratio(self, ratio: Ratio | None) -> Markup:
        """A KPI ratio as a percentage, or a dash whose tooltip says why it is missing."""
        if ratio is None:
            return self.missing(None)
        if ratio.value is None:
            return self.missing(ratio.reason)
        return Markup("{}").format(self.percent_text(float(ratio.value)))

    def missing(self, reason: str | None) -> Markup:
        """The dash shown for a missing value, with the reason as a tooltip."""
        text = self.reason_text(reason)
        return Markup('<span class="na" title="{}">{}</span>').format(text, MISSING)

    def reason_text(self, reason: str | None) -> str:
        """Why a value is missing, in words."""
        if reason is None:
            return self.translator.gettext("kpi.reason.none")
        return coded(self.translator, RATIO_REASON_KEYS, reason)

    def number(self, value: Amount | None) -> str:
        """A count or measurement with the locale's separators."""
        if value is None:
            return MISSING
        exact = value if isinstance(value, int | Decimal) else float(value)
        return format_decimal(exact, locale=self.locale)

    def decimal(self, value: Amount | None, digits: int) -> str:
        """A number with exactly ``digits`` decimals (``0,25``)."""
        if value is None:
            return MISSING
        pattern = "#,##0." + "0" * digits if digits else "#,##0"
        return format_decimal(round(float(value), digits), format=pattern, locale=self.locale)

    def quantity(self, value: Amount | None, unit: str, digits: int = 1) -> str:
        """A number rounded to ``digits`` decimals with its unit in words (``12,5 kWh``)."""
        if value is None:
            return MISSING
        number = self.number(round(float(value), digits))
        words = unit_label(self.translator, unit)
        return f"{number} {words}" if words else number

    def money(self, idr: Amount | None) -> str:
        """Rupiah to the whole rupiah (``Rp 1.234.567``)."""
        if idr is None:
            return MISSING
        return f"{self.term('unit.rupiah')} {format_decimal(round(float(idr)), locale=self.locale)}"

    def money_compact(self, idr: Amount) -> str:
        """Rupiah in the words people say (``Rp 300 juta``, ``Rp 1,5 miliar``)."""
        words = format_compact_decimal(
            float(idr), format_type="long", fraction_digits=1, locale=self.locale
        )
        return f"{self.term('unit.rupiah')} {words}"

    def kpi_value(self, value: KpiValueView) -> str:
        """A KPI value: a percentage for ratios, else the number and unit, or why it is missing."""
        if value.value is None:
            return f"{MISSING} ({self.reason_text(value.missing)})"
        if value.unit == "ratio":
            return self.percent_text(float(value.value))
        return self.quantity(value.value, value.unit, 2)

    def kpi_name(self, code: str) -> str:
        """A KPI's name by the glossary."""
        return kpi_label(self.translator, code)

    def loss_name(self, code: str, label: Worded | None = None) -> str:
        """A loss or reason code in words: the site's label for a reason, else the glossary."""
        return loss_label(self.translator, code, None if label is None else label.get(self.locale))

    def state_name(self, code: str) -> str:
        """A machine state in words."""
        return state_label(self.translator, code)

    def unit_name(self, code: str) -> str:
        """A unit in words (empty for ratios and indices)."""
        return unit_label(self.translator, code)

    def term(self, term_id: str) -> str:
        """A glossary term (``kpi.oee``) in this locale."""
        return term(self.translator, term_id)

    def local(self, ts: datetime) -> datetime:
        """A UTC instant in the plant's zone."""
        return ts.astimezone(self.zone)

    def date_time(self, ts: datetime | None) -> str:
        """Date and time in the plant's zone (``7 Jan 2025 06.30``)."""
        if ts is None:
            return MISSING
        return f"{self._skeleton('yMMMd', ts)} {self._skeleton('Hm', ts)}"

    def time(self, ts: datetime | None) -> str:
        """Time of day on a 24-hour clock in the plant's zone."""
        return MISSING if ts is None else self._skeleton("Hm", ts)

    def since(self, ts: datetime | None, now: datetime) -> str:
        """The time only when ``ts`` is today, otherwise the date as well."""
        if ts is None:
            return MISSING
        if self.local(ts).date() == self.local(now).date():
            return self.time(ts)
        return f"{self._skeleton('MMMd', ts)} {self._skeleton('Hm', ts)}"

    def date(self, value: date | datetime | None) -> str:
        """A calendar date (``4 Des 2026``); an instant is first put in the plant's zone."""
        if value is None:
            return MISSING
        if isinstance(value, datetime):
            return self._skeleton("yMMMd", value)
        return format_skeleton("yMMMd", value, locale=self.locale)

    def _skeleton(self, skeleton: str, ts: datetime) -> str:
        return format_skeleton(skeleton, self.local(ts), locale=self.locale)

    def wall_clock(self, ts: datetime) -> datetime:
        """The plant's local date and time without a zone, for cells that cannot hold one."""
        return self.local(ts).replace(tzinfo=None)

    def duration(self, ms: int) -> str:
        """A duration as hours and minutes (``1 j 05 mnt``)."""
        minutes = round(ms / _MS_PER_MINUTE)
        hours, rest = divmod(minutes, 60)
        patterns = duration_patterns(
            self.translator, str(hours), f"{rest:02d}" if hours else str(rest)
        )
        return patterns["hours_minutes" if hours else "minutes"]
