"""Every KPI pabrik computes, described by data (``pabrik/data/kpis.yaml``) and evaluated here.

The metadata arrives as a parsed mapping (the runtime reads the file), so this module
stays pure. Each KPI is computed from summed elements, never from averaged ratios. A
zero denominator gives no value and a reason; a KPI whose data is not held at all
raises `MissingDataError`, which names the missing data.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from pabrik.kpi.account import TimeAccount
from pabrik.kpi.capability import Capability
from pabrik.kpi.elements import Elements, Extras
from pabrik.kpi.oee import (
    NoValue,
    Ratio,
    availability,
    busy_ratio,
    overall,
    performance,
    quality,
    ratio,
)
from pabrik.model.errors import InvalidRequestError

MS_PER_HOUR = 3_600_000
WH_PER_KWH = 1000

NEEDS_TEXT: dict[str, str] = {
    "states": "machine state records",
    "counts": "count records",
    "orders": "production orders (plant 'orders' or an 'order' on state records)",
    "planned_scrap": "production orders with a planned scrap ratio",
    "preventive_reasons": "downtime reasons marked 'maintenance: preventive'",
    "spec_limits": "spec limits (lsl and usl) for a signal",
    "personnel_time": "personnel work and attendance time (APWT, APAT)",
    "energy_meter": "an energy meter signal ('energy_signal' on the machine)",
    "inventory": "inventory data (raw material, WIP, finished goods)",
    "consumed_material": "consumed material quantities (CM)",
    "rated_capacity": "a rated capacity ('rated_capacity_per_hour' on the machine)",
    "serialized_parts": "serialized part tracking over an order sequence",
}
NEVER_HELD = frozenset({"personnel_time", "inventory", "consumed_material", "serialized_parts"})


class MissingDataError(InvalidRequestError):
    """A KPI the data held cannot support; the message names the missing data."""

    def __init__(self, kpi: str, need: str, detail: str | None = None) -> None:
        text = detail or NEEDS_TEXT.get(need, need)
        super().__init__(
            f"{kpi} needs {text}", reason="missing_data", kpi=kpi, needs=need, detail_text=text
        )


@dataclass(frozen=True, slots=True)
class KpiDefinition:
    """One KPI's metadata: formula, unit, range, trend, audience, timing and needs."""

    id: str
    formula: str
    unit: str
    low: float | None
    high: float | None
    trend: str
    audience: tuple[str, ...]
    timing: str
    needs: tuple[str, ...]
    above_one: bool = False
    iso: int | None = None
    source: str = "ISO 22400-2"


@dataclass(frozen=True, slots=True)
class Catalogue:
    """The versioned set of KPI definitions."""

    version: int
    definitions: Mapping[str, KpiDefinition]

    def get(self, kpi_id: str) -> KpiDefinition:
        """A definition by id, or an error listing the known ids."""
        found = self.definitions.get(kpi_id)
        if found is None:
            raise InvalidRequestError(
                f"unknown KPI '{kpi_id}'", reason="unknown_kpi", kpi=kpi_id[:64]
            )
        return found


def parse_catalogue(data: Mapping[str, Any]) -> Catalogue:
    """Definitions from the parsed YAML mapping; every id must have a formula here."""
    defs: dict[str, KpiDefinition] = {}
    for item in data["kpis"]:
        low, high = item.get("range", [None, None])
        defs[item["id"]] = KpiDefinition(
            id=item["id"],
            formula=item["formula"],
            unit=item["unit"],
            low=low,
            high=high,
            trend=item["trend"],
            audience=tuple(item["audience"]),
            timing=item["timing"],
            needs=tuple(item["needs"]),
            above_one=bool(item.get("above_one", False)),
            iso=item.get("iso"),
            source=item.get("source", "ISO 22400-2"),
        )
    unknown = sorted(set(defs) - set(FORMULAS) - CAPABILITY_IDS)
    if unknown:
        raise ValueError(f"KPI metadata without a formula: {', '.join(unknown)}")
    return Catalogue(int(data["version"]), defs)


@dataclass(frozen=True, slots=True)
class KpiContext:
    """What a KPI may draw on besides the summed time account."""

    account: TimeAccount
    calendar_ms: int
    """All time of the window times the number of machines (TEEP's denominator)."""
    has_orders: bool = False
    has_energy_meter: bool = False
    has_preventive_reasons: bool = False
    epc: Fraction | None = None
    """Equipment production capacity over the window: rated units per hour x POT hours."""
    capability: Capability | None = None
    signal: str | None = None
    held: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True, slots=True)
class KpiValue:
    """A computed KPI: exact where possible, None with a reason, flagged when above 1."""

    id: str
    value: Fraction | float | None
    unit: str
    missing: str | None = None
    flags: tuple[str, ...] = ()
    capped: Fraction | float | None = None


Formula = Callable[[Elements, Extras, KpiContext], Ratio]


def _div(n: int | Fraction, d: int | Fraction, missing: str) -> Ratio:
    return ratio(n, d, NoValue(missing))


def _product(*parts: Ratio) -> Ratio:
    value = Fraction(1)
    for p in parts:
        if p.value is None:
            return p
        value *= p.value
    return Ratio(value)


_a, _p, _q = availability, performance, quality


def _hours(r: Ratio) -> Ratio:
    return r if r.value is None else Ratio(r.value / MS_PER_HOUR)


def _oee(e: Elements, _x: Extras, _c: KpiContext) -> Ratio:
    return overall(e, _a(e), _p(e), _q(e))


def _oee_capped(e: Elements, _x: Extras, _c: KpiContext) -> Ratio:
    p = _p(e)
    return overall(e, _a(e), p if p.value is None else Ratio(min(p.value, Fraction(1))), _q(e))


def _nee(e: Elements, _x: Extras, _c: KpiContext) -> Ratio:
    return _product(busy_ratio(e.aupt, e), _p(e), _q(e))


def _utilization(e: Elements, _x: Extras, c: KpiContext) -> Ratio:
    return ratio(e.pbt, c.calendar_ms, NoValue.NO_PLANNED_BUSY_TIME)


def _teep(e: Elements, x: Extras, c: KpiContext) -> Ratio:
    return _product(_oee(e, x, c), _utilization(e, x, c))


def _kwh(x: Extras) -> Fraction:
    return Fraction(x.energy_wh, WH_PER_KWH)


def _load(e: Elements, _x: Extras, c: KpiContext) -> Ratio:
    assert c.epc is not None
    return _div(e.pq, c.epc, "no_planned_operation_time")


FORMULAS: dict[str, Formula] = {
    "availability": lambda e, x, c: _a(e),
    "effectiveness": lambda e, x, c: _p(e),
    "quality_ratio": lambda e, x, c: _q(e),
    "oee": _oee,
    "oee_capped": _oee_capped,
    "nee": _nee,
    "allocation_efficiency": lambda e, x, c: busy_ratio(e.aubt, e),
    "utilization_efficiency": lambda e, x, c: _div(e.apt, e.aubt, "no_busy_time"),
    "technical_efficiency": lambda e, x, c: _div(e.apt, e.apt + e.adet, "no_busy_time"),
    "setup_rate": lambda e, x, c: _div(e.aust, e.aupt, "no_processing_time"),
    "throughput_rate": lambda e, x, c: _div(e.pq * MS_PER_HOUR, x.aoet, "no_order_time"),
    "allocation_ratio": lambda e, x, c: _div(e.aubt, x.aoet, "no_order_time"),
    "production_process_ratio": lambda e, x, c: _div(e.apt, x.aoet, "no_order_time"),
    "scrap_ratio": lambda e, x, c: ratio(e.sq, e.pq, NoValue.NO_UNITS_PRODUCED),
    "rework_ratio": lambda e, x, c: ratio(e.rq, e.pq, NoValue.NO_UNITS_PRODUCED),
    "actual_to_planned_scrap_ratio": lambda e, x, c: _div(e.sq, x.psq, "no_planned_scrap"),
    "first_pass_yield": lambda e, x, c: _q(e),
    "mtbf": lambda e, x, c: _hours(_div(e.aupt, x.fe, "no_failures")),
    "mttf": lambda e, x, c: _hours(_div(e.aupt, x.fe, "no_failures")),
    "mttr": lambda e, x, c: _hours(_div(x.cmt, x.fe, "no_failures")),
    "corrective_maintenance_ratio": lambda e, x, c: _div(
        x.cmt, x.cmt + x.pmt, "no_maintenance_time"
    ),
    "comprehensive_energy_consumption": lambda e, x, c: _div(
        _kwh(x), e.pq, NoValue.NO_UNITS_PRODUCED
    ),
    "sec": lambda e, x, c: _div(_kwh(x), e.pq, NoValue.NO_UNITS_PRODUCED),
    "sec_good": lambda e, x, c: _div(_kwh(x), e.gq, "no_good_units"),
    "energy": lambda e, x, c: Ratio(_kwh(x)),
    "utilization": _utilization,
    "teep": _teep,
    "equipment_load_ratio": _load,
}
CAPABILITY_IDS = frozenset({"cm", "cmk", "cp", "cpk"})
# Never held by pabrik today: the metadata is kept, evaluation names the missing data.
FORMULAS.update(
    dict.fromkeys(
        (
            "worker_efficiency",
            "inventory_turns",
            "finished_goods_ratio",
            "integrated_goods_ratio",
            "production_loss_ratio",
            "storage_and_transportation_loss_ratio",
            "other_loss_ratio",
            "fall_off_ratio",
        ),
        lambda e, x, c: Ratio(None),
    )
)


def _check_needs(defn: KpiDefinition, ctx: KpiContext) -> None:
    held = {
        "states": True,
        "counts": True,
        "orders": ctx.has_orders,
        "planned_scrap": ctx.has_orders and ctx.account.extras.psq > 0,
        "preventive_reasons": ctx.has_preventive_reasons,
        "energy_meter": ctx.has_energy_meter,
        "rated_capacity": ctx.epc is not None,
        "spec_limits": ctx.capability is not None,
    }
    for need in defn.needs:
        if need in NEVER_HELD or not held.get(need, need in ctx.held):
            if need == "spec_limits" and ctx.signal:
                raise MissingDataError(
                    defn.id, need, f"spec limits (lsl and usl) for signal '{ctx.signal}'"
                )
            if need == "spec_limits":
                raise MissingDataError(
                    defn.id, need, "a signal with spec limits: pass signal=<id> (lsl and usl set)"
                )
            raise MissingDataError(defn.id, need)


def _capability_value(defn: KpiDefinition, cap: Capability) -> KpiValue:
    value: float | None = getattr(cap, defn.id)
    flags = ("above_one",) if value is not None and value > 1 and defn.above_one else ()
    return KpiValue(defn.id, value, defn.unit, None if value is not None else cap.missing, flags)


def evaluate(defn: KpiDefinition, ctx: KpiContext) -> KpiValue:
    """The value of one KPI for a summed account, or MissingDataError naming the gap."""
    _check_needs(defn, ctx)
    if defn.id in CAPABILITY_IDS:
        assert ctx.capability is not None
        return _capability_value(defn, ctx.capability)
    e, x = ctx.account.elements, ctx.account.extras
    if e.pbt > 0 and e.unknown == e.pbt and e.pq == 0 and "states" in defn.needs:
        return KpiValue(defn.id, None, defn.unit, NoValue.NO_STATE_DATA.value)
    return _value(defn, FORMULAS[defn.id](e, x, ctx))


def _value(defn: KpiDefinition, r: Ratio) -> KpiValue:
    missing = None if r.missing is None else str(r.missing)
    flags: tuple[str, ...] = ()
    capped = None
    if r.value is not None and defn.above_one and defn.unit == "ratio" and r.value > 1:
        flags = ("above_one",)
        capped = Fraction(1)
    elif r.value is not None and defn.above_one and defn.unit == "ratio":
        capped = r.value
    return KpiValue(defn.id, r.value, defn.unit, missing, flags, capped)


def supported(catalogue: Catalogue, ctx: KpiContext) -> list[KpiValue]:
    """Every KPI the data supports (those that would raise MissingDataError are left out)."""
    out = []
    for defn in catalogue.definitions.values():
        try:
            out.append(evaluate(defn, ctx))
        except MissingDataError:
            continue
    return out
