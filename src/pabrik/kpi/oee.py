"""OEE per ISO 22400-2: availability x effectiveness x quality ratio, from summed elements.

Values are exact fractions. A ratio whose denominator is zero has no value (None) and a
reason code instead; it is never shown as 0 % or 100 %. Effectiveness above 1 is kept
raw and flagged, never clamped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction

from pabrik.kpi.elements import Elements


class NoValue(StrEnum):
    """Why a ratio has no value."""

    NO_PLANNED_BUSY_TIME = "no_planned_busy_time"
    NO_PRODUCTION_TIME = "no_production_time"
    NO_UNITS_PRODUCED = "no_units_produced"
    NO_STATE_DATA = "no_state_data"
    NO_BUSY_TIME = "no_busy_time"
    NO_PROCESSING_TIME = "no_processing_time"
    NO_ORDER_TIME = "no_order_time"
    NO_PLANNED_SCRAP = "no_planned_scrap"
    NO_FAILURES = "no_failures"
    NO_MAINTENANCE_TIME = "no_maintenance_time"
    NO_GOOD_UNITS = "no_good_units"
    NO_PLANNED_OPERATION_TIME = "no_planned_operation_time"
    NOT_YET = "not_yet"
    """The window has not begun: nothing can be measured yet."""


class Flag(StrEnum):
    """Data-quality warnings that travel with a result."""

    PERFORMANCE_ABOVE_ONE = "performance_above_one"
    """Effectiveness > 1: the ideal cycle time is too slow, or stops or counts are wrong."""
    UNKNOWN_TIME = "unknown_time"
    """Part of PBT has no known machine state; it is left out of the denominators."""
    UNITS_WITHOUT_PRODUCTION_TIME = "units_without_production_time"
    """Units were counted although the machine never ran in PBT."""


@dataclass(frozen=True, slots=True)
class Ratio:
    """An exact ratio, or None with the reason it has no value."""

    value: Fraction | None
    missing: NoValue | None = None


def ratio(numerator: int | Fraction, denominator: int | Fraction, missing: NoValue) -> Ratio:
    """``numerator / denominator``, or no value with ``missing`` when the denominator is 0."""
    if denominator == 0:
        return Ratio(None, missing)
    return Ratio(Fraction(numerator) / Fraction(denominator))


@dataclass(frozen=True, slots=True)
class Oee:
    """OEE and its three factors for some summed elements."""

    elements: Elements
    availability: Fraction | None
    performance: Fraction | None
    quality: Fraction | None
    oee: Fraction | None
    missing: Mapping[str, NoValue] = field(default_factory=dict)
    """For each of the four names whose value is None, the reason."""
    flags: frozenset[Flag] = frozenset()


def busy_ratio(numerator: int, e: Elements) -> Ratio:
    """``numerator`` over the known part of PBT; time with no known state is left out."""
    if e.pbt > 0 and e.known_pbt == 0:
        return Ratio(None, NoValue.NO_STATE_DATA)
    return ratio(numerator, e.known_pbt, NoValue.NO_PLANNED_BUSY_TIME)


def availability(e: Elements) -> Ratio:
    """APT / PBT, over the part of PBT whose state is known."""
    return busy_ratio(e.apt, e)


def performance(e: Elements) -> Ratio:
    """Effectiveness: ideal time of the produced units / APT; may exceed 1."""
    return ratio(e.ideal_ms, e.apt, NoValue.NO_PRODUCTION_TIME)


def quality(e: Elements) -> Ratio:
    """Quality ratio: GQ / PQ."""
    return ratio(e.gq, e.pq, NoValue.NO_UNITS_PRODUCED)


def overall(e: Elements, a: Ratio, p: Ratio, q: Ratio) -> Ratio:
    """A x P x Q, or a real 0 when nothing was made over known busy time, else the gap."""
    if a.value is not None and p.value is not None and q.value is not None:
        return Ratio(a.value * p.value * q.value)
    if a.value is None:
        return a
    # No output over a non-zero PBT (stopped all along, or running without making a unit):
    # fully productive time is 0, so OEE is a real 0 whatever the undefined quality ratio.
    if e.pq == 0 and (e.apt == 0 or p.value == 0):
        return Ratio(Fraction(0))
    return p if p.value is None else q


def _flags(e: Elements, p: Ratio) -> frozenset[Flag]:
    flags: set[Flag] = set()
    if p.value is not None and p.value > 1:
        flags.add(Flag.PERFORMANCE_ABOVE_ONE)
    if e.unknown > 0:
        flags.add(Flag.UNKNOWN_TIME)
    if e.apt == 0 and e.pq > 0:
        flags.add(Flag.UNITS_WITHOUT_PRODUCTION_TIME)
    return frozenset(flags)


def oee(e: Elements) -> Oee:
    """OEE = availability x performance x quality, with reasons for missing values."""
    if e.pbt > 0 and e.unknown == e.pbt and e.pq == 0:
        # Nothing at all was recorded: that is missing data, not a machine at 0 %.
        a = p = q = o = Ratio(None, NoValue.NO_STATE_DATA)
    else:
        a, p, q = availability(e), performance(e), quality(e)
        o = overall(e, a, p, q)
    parts = {"availability": a, "performance": p, "quality": q, "oee": o}
    return Oee(
        elements=e,
        availability=a.value,
        performance=p.value,
        quality=q.value,
        oee=o.value,
        missing={name: r.missing for name, r in parts.items() if r.missing is not None},
        flags=_flags(e, p),
    )


def combined_oee(items: Iterable[Elements]) -> Oee:
    """OEE of a line or plant: the OEE of the summed elements, never an average of ratios."""
    return oee(Elements.sum(items))
