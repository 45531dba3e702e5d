"""The rules that shape a time account; they travel with every result and its rollups."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from pabrik.model.equipment import MaintenanceKind
from pabrik.model.site import Plant
from pabrik.model.states import StateClass

ENERGY_GAP_MS = 2 * 3600 * 1000
"""A meter reading more than this after the previous one starts a new baseline."""


@dataclass(frozen=True, slots=True)
class TimeRules:
    """Thresholds and classifications the time model applies to state and count records."""

    micro_stop_ms: int = 0
    """Unplanned-stop runs shorter than this stay in APT (a speed loss)."""
    debounce_ms: int = 0
    """A state record shorter than this is a flicker: it takes its predecessor's state."""
    count_period_ms: int = 0
    """Longest period one count record covers; 0 keeps counts as instants."""
    order_reading: bool = True
    """OPC 40001-1: time booked to ADOT while an order is registered is ADET."""
    preventive_reasons: frozenset[str] = frozenset()
    """Planned-stop reasons that are preventive maintenance (PMT)."""
    corrective_reasons: frozenset[str] | None = None
    """Unplanned-stop reasons that are corrective maintenance; None: every failure is."""
    startup_window_ms: int = 0
    """Scrap made this long after a changeover or planned stop ends is start-up scrap; 0: off."""
    energy_gap_ms: int = ENERGY_GAP_MS
    scrap_per_unit_idr: Fraction = Fraction(0)
    """Scrap price for products without their own."""

    @property
    def history_ms(self) -> int:
        """How far before a window the state records must reach for its result to be final."""
        # A start-up window opened by a state change before the window can reach into it.
        return self.micro_stop_ms + self.debounce_ms + self.startup_window_ms

    def corrective(self, state: StateClass, reason: str | None) -> bool:
        """Whether time in this state is corrective maintenance of a failure."""
        if state is not StateClass.UNPLANNED_STOP:
            return False
        return self.corrective_reasons is None or reason in self.corrective_reasons


def rules_of(plant: Plant) -> TimeRules:
    """The time rules a plant's configuration asks for."""
    corrective = frozenset(
        r.id for r in plant.downtime_reasons if r.maintenance is MaintenanceKind.CORRECTIVE
    )
    return TimeRules(
        micro_stop_ms=round(plant.limits.micro_stop_s * 1000),
        debounce_ms=round(plant.kpi.debounce_s * 1000),
        count_period_ms=round(plant.kpi.count_period_s * 1000),
        order_reading=plant.kpi.order_reading,
        startup_window_ms=round(plant.kpi.startup_window_s * 1000),
        preventive_reasons=frozenset(
            r.id for r in plant.downtime_reasons if r.maintenance is MaintenanceKind.PREVENTIVE
        ),
        corrective_reasons=corrective or None,
        scrap_per_unit_idr=Fraction(plant.costs.scrap_per_unit_idr),
    )
