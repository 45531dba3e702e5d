"""Locale-aware display of numbers, percentages, times and durations (Babel)."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import datetime

from babel.dates import format_skeleton
from babel.numbers import format_decimal, format_percent
from markupsafe import Markup

from pabrik.present.i18n import Translator
from pabrik.present.labels import RATIO_REASON_KEYS, coded
from pabrik.runtime.plant.views import Ratio

MISSING = "–"
_PERCENT_PATTERNS = {"id": "#,##0.0\u00a0%", "en": "#,##0.0%"}
_MS_PER_MINUTE = 60_000


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

    def number(self, value: float | None) -> str:
        """A count or measurement with the locale's separators."""
        return MISSING if value is None else format_decimal(value, locale=self.locale)

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

    def date(self, ts: datetime) -> str:
        """A calendar date in the plant's zone."""
        return self._skeleton("yMMMd", ts)

    def _skeleton(self, skeleton: str, ts: datetime) -> str:
        return format_skeleton(skeleton, self.local(ts), locale=self.locale)

    def duration(self, ms: int) -> str:
        """A duration as hours and minutes (``1 j 05 mnt``)."""
        minutes = round(ms / _MS_PER_MINUTE)
        hours, rest = divmod(minutes, 60)
        if hours == 0:
            return self.translator.gettext("unit.minutes") % {"m": rest}
        return self.translator.gettext("unit.hours_minutes") % {"h": hours, "m": f"{rest:02d}"}
