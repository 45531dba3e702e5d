"""Time accounts to and from rollup rows, and the configuration fingerprint of a machine."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from datetime import date
from fractions import Fraction

from pabrik.kpi.account import DowntimeKey, TimeAccount
from pabrik.kpi.elements import Elements, Extras
from pabrik.kpi.rules import TimeRules
from pabrik.model.site import Plant
from pabrik.model.states import StateClass
from pabrik.storage.rollups import ROLLUP_COLUMNS, RollupConfig, RollupRow, RollupSum

SCHEMA = 3
"""Bump when the time model changes how a bucket is computed: every rollup is rebuilt."""
_SCALE = {
    "ideal_ns": 10**6,
    "ideal_good_ns": 10**6,
    "ideal_startup_ns": 10**6,
    "psq_micro": 10**6,
    "scrap_cost_sen": 100,
}


def fingerprint(plant: Plant, machine_id: str, rules: TimeRules, holidays: frozenset[date]) -> str:
    """A hash of everything in the configuration that shapes one machine's rollups."""
    machine = plant.machine(machine_id)
    line = plant.line_of(machine_id)
    assert machine is not None
    doc = {
        "schema": SCHEMA,
        "machine": machine.model_dump(mode="json"),
        "line_calendar": None
        if line is None or line.calendar is None
        else line.calendar.model_dump(mode="json"),
        "calendar": plant.calendar.model_dump(mode="json"),
        "holidays": sorted(d.isoformat() for d in holidays),
        "rules": {
            k: sorted(v) if isinstance(v, frozenset) else v for k, v in asdict(rules).items()
        },
        "orders": [o.model_dump(mode="json") for o in plant.orders if o.machine == machine_id],
    }
    text = json.dumps(doc, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def rollup_config(
    plant: Plant, machine_id: str, rules: TimeRules, holidays: frozenset[date]
) -> RollupConfig:
    """The fingerprint and the reach of a write for one machine."""
    return RollupConfig(
        fingerprint=fingerprint(plant, machine_id, rules, holidays),
        state_margin_ms=rules.history_ms,
        count_margin_ms=rules.count_period_ms,
        sample_margin_ms=rules.energy_gap_ms,
        energy_signal=plant.machine(machine_id).energy_signal,  # type: ignore[union-attr]
    )


def _values(acc: TimeAccount) -> dict[str, Fraction | int]:
    e, x = acc.elements, acc.extras
    return {
        "pot": e.pot, "pdot": e.pdot, "pbt": e.pbt, "apt": e.apt, "aust": e.aust,
        "adet": e.adet, "adot": e.adot, "unknown": e.unknown,
        "pq": e.pq, "gq": e.gq, "sq": e.sq, "rq": e.rq,
        "ideal_ns": e.ideal_ms * _SCALE["ideal_ns"],
        "ideal_good_ns": e.ideal_good_ms * _SCALE["ideal_good_ns"],
        "micro_ms": acc.micro_stop_time_ms,
        "fe": x.fe, "cmt": x.cmt, "pmt": x.pmt, "aoet": x.aoet,
        "psq_micro": x.psq * _SCALE["psq_micro"],
        "energy_wh": x.energy_wh,
        "scrap_cost_sen": x.scrap_cost_idr * _SCALE["scrap_cost_sen"],
        "order_data": int(acc.order_data),
        "sq_startup": e.sq_startup,
        "ideal_startup_ns": e.ideal_startup_ms * _SCALE["ideal_startup_ns"],
        "energy_run_wh": x.energy_run_wh,
    }  # fmt: skip


def to_row(machine_id: str, start_ms: int, acc: TimeAccount) -> RollupRow | None:
    """A rollup row, or None when a value is not a whole number in its storage unit."""
    values = _values(acc)
    ints: list[int] = []
    for name in ROLLUP_COLUMNS:
        v = values[name]
        if isinstance(v, Fraction):
            if v.denominator != 1:
                return None
            v = v.numerator
        ints.append(v)
    downtime = {(k.state.value, k.reason or ""): ms for k, ms in acc.downtime_ms.items()}
    return RollupRow(machine_id, start_ms, tuple(ints), downtime)


def from_sum(
    total: RollupSum, downtime: Mapping[tuple[str, str], int], rules: TimeRules
) -> TimeAccount:
    """A time account from summed rollup rows and their downtime detail."""
    v = dict(zip(ROLLUP_COLUMNS, total.values, strict=True))
    elements = Elements(
        pot=v["pot"], pdot=v["pdot"], pbt=v["pbt"], apt=v["apt"], aust=v["aust"],
        adet=v["adet"], adot=v["adot"], unknown=v["unknown"],
        pq=v["pq"], gq=v["gq"], sq=v["sq"], rq=v["rq"],
        ideal_ms=Fraction(v["ideal_ns"], _SCALE["ideal_ns"]),
        ideal_good_ms=Fraction(v["ideal_good_ns"], _SCALE["ideal_good_ns"]),
        sq_startup=v["sq_startup"],
        ideal_startup_ms=Fraction(v["ideal_startup_ns"], _SCALE["ideal_startup_ns"]),
    )  # fmt: skip
    extras = Extras(
        fe=v["fe"],
        cmt=v["cmt"],
        pmt=v["pmt"],
        aoet=v["aoet"],
        psq=Fraction(v["psq_micro"], _SCALE["psq_micro"]),
        energy_wh=v["energy_wh"],
        energy_run_wh=v["energy_run_wh"],
        scrap_cost_idr=Fraction(v["scrap_cost_sen"], _SCALE["scrap_cost_sen"]),
    )
    return TimeAccount(
        elements=elements,
        micro_stop_ms=rules.micro_stop_ms,
        downtime_ms={
            DowntimeKey(StateClass(state), reason or None): ms
            for (state, reason), ms in downtime.items()
        },
        micro_stop_time_ms=v["micro_ms"],
        debounce_ms=rules.debounce_ms,
        order_data=bool(v["order_data"]),
        extras=extras,
    )


def row_sum(rows: Sequence[RollupRow]) -> RollupSum:
    """Rows summed like the store sums them (``order_data`` by minimum)."""
    sums = [sum(col) for col in zip(*(r.values for r in rows), strict=True)]
    if sums:
        sums[ROLLUP_COLUMNS.index("order_data")] = min(
            r.values[ROLLUP_COLUMNS.index("order_data")] for r in rows
        )
    return RollupSum(len(rows), tuple(sums))


def downtime_sum(rows: Sequence[RollupRow]) -> dict[tuple[str, str], int]:
    """Rows' downtime by (state, reason), summed like the store sums it."""
    out: dict[tuple[str, str], int] = {}
    for r in rows:
        for key, ms in r.downtime.items():
            out[key] = out.get(key, 0) + ms
    return out
