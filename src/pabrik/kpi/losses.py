"""Where known planned busy time went: one loss tree behind "top loss" and the six big losses.

The tree's leaves are the availability losses by (state, reason), minor stops, reduced speed,
process defects and reduced yield. With the ideal time of good units they add up to the PBT
whose state is known; time with no known state is not a loss but a gap in the data (coverage).
The six big losses (Nakajima) are built from the same leaves and elements.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction

from pabrik.kpi.account import TimeAccount
from pabrik.model.states import StateClass


class LossKind(StrEnum):
    """The kind of a leaf of the loss tree."""

    AVAILABILITY = "availability"
    MINOR_STOPS = "minor_stops"
    REDUCED_SPEED = "reduced_speed"
    PROCESS_DEFECTS = "process_defects"
    REDUCED_YIELD = "reduced_yield"


@dataclass(frozen=True, slots=True)
class Loss:
    """One loss in ms of planned busy time; state and reason only for availability losses."""

    kind: LossKind
    ms: Fraction
    state: StateClass | None = None
    reason: str | None = None

    @property
    def code(self) -> str:
        """The reason code of an availability loss ("unexplained" without one), else the kind."""
        if self.kind is LossKind.AVAILABILITY:
            return self.reason or "unexplained"
        return self.kind.value


def loss_tree(acc: TimeAccount) -> list[Loss]:
    """Every leaf of the loss tree, positive or not, in a fixed order."""
    e = acc.elements
    micro = acc.micro_stop_time_ms
    leaves = [
        Loss(LossKind.AVAILABILITY, Fraction(ms), key.state, key.reason)
        for key, ms in sorted(
            acc.downtime_ms.items(), key=lambda kv: (kv[0].state, kv[0].reason or "")
        )
    ]
    return [
        *leaves,
        Loss(LossKind.MINOR_STOPS, Fraction(micro)),
        Loss(LossKind.REDUCED_SPEED, e.apt - micro - e.ideal_ms),
        Loss(LossKind.PROCESS_DEFECTS, e.ideal_ms - e.ideal_good_ms - e.ideal_startup_ms),
        Loss(LossKind.REDUCED_YIELD, e.ideal_startup_ms),
    ]


def loss_breakdown(acc: TimeAccount) -> list[Loss]:
    """Every positive loss, biggest first (ties in a stable, readable order).

    A negative reduced speed (performance above 1) is a data problem flagged by `oee`, not a
    loss, so it is left out.
    """
    return sorted(
        (loss for loss in loss_tree(acc) if loss.ms > 0),
        key=lambda loss: (-loss.ms, loss.kind, loss.state or "", loss.reason or ""),
    )


def top_loss(acc: TimeAccount) -> Loss | None:
    """The biggest loss: what every surface shows as "top loss"."""
    losses = loss_breakdown(acc)
    return losses[0] if losses else None


class BigLoss(StrEnum):
    """The six big losses (Nakajima / Vorne)."""

    EQUIPMENT_FAILURE = "equipment_failure"
    SETUP_ADJUSTMENT = "setup_adjustment"
    IDLING_MINOR_STOPS = "idling_minor_stops"
    REDUCED_SPEED = "reduced_speed"
    PROCESS_DEFECTS = "process_defects"
    REDUCED_YIELD = "reduced_yield"


def six_big_losses(acc: TimeAccount) -> dict[BigLoss, Fraction]:
    """The six big losses in ms of known PBT; with the fully productive time they add up to it.

    Equipment failure = ADET; setup and adjustment = AUST; idling and minor stops = ADOT +
    micro-stop time; reduced speed, process defects and reduced yield are the loss tree's
    leaves of the same names (reduced speed is negative when effectiveness is above 1).
    """
    e = acc.elements
    leaves = {
        loss.kind: loss.ms for loss in loss_tree(acc) if loss.kind is not LossKind.AVAILABILITY
    }
    return {
        BigLoss.EQUIPMENT_FAILURE: Fraction(e.adet),
        BigLoss.SETUP_ADJUSTMENT: Fraction(e.aust),
        BigLoss.IDLING_MINOR_STOPS: e.adot + leaves[LossKind.MINOR_STOPS],
        BigLoss.REDUCED_SPEED: leaves[LossKind.REDUCED_SPEED],
        BigLoss.PROCESS_DEFECTS: leaves[LossKind.PROCESS_DEFECTS],
        BigLoss.REDUCED_YIELD: leaves[LossKind.REDUCED_YIELD],
    }
