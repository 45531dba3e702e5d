"""Where planned busy time went: the loss breakdown behind a dashboard's "top loss".

When the states tile PBT the losses and the fully productive time add up to PBT:
PBT = availability losses + unknown + speed loss + quality loss + ideal time of good units.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction

from pabrik.kpi.timemodel import TimeAccount
from pabrik.model.states import StateClass


class LossKind(StrEnum):
    """The OEE factor a loss lowers, or unknown when no state was known."""

    AVAILABILITY = "availability"
    SPEED = "speed"
    QUALITY = "quality"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Loss:
    """One loss in ms of planned busy time; state and reason only for availability losses."""

    kind: LossKind
    ms: Fraction
    state: StateClass | None = None
    reason: str | None = None


def loss_breakdown(acc: TimeAccount) -> list[Loss]:
    """Every positive loss, biggest first (ties in a stable, readable order).

    Speed loss is APT - ideal time (micro-stops included); quality loss is the ideal
    time of scrap and rework units. A negative speed loss (performance above 1) is a
    data problem flagged by `oee`, not a loss, so it is left out.
    """
    e = acc.elements
    losses = [
        Loss(LossKind.AVAILABILITY, Fraction(ms), key.state, key.reason)
        for key, ms in acc.downtime_ms.items()
    ]
    losses.append(Loss(LossKind.SPEED, e.apt - e.ideal_ms))
    losses.append(Loss(LossKind.QUALITY, e.ideal_ms - e.ideal_good_ms))
    losses.append(Loss(LossKind.UNKNOWN, Fraction(e.unknown)))
    return sorted(
        (loss for loss in losses if loss.ms > 0),
        key=lambda loss: (-loss.ms, loss.kind, loss.state or "", loss.reason or ""),
    )


class BigLoss(StrEnum):
    """The six big losses (Nakajima / Vorne), plus the time no state explains."""

    EQUIPMENT_FAILURE = "equipment_failure"
    SETUP_ADJUSTMENT = "setup_adjustment"
    IDLING_MINOR_STOPS = "idling_minor_stops"
    REDUCED_SPEED = "reduced_speed"
    PROCESS_DEFECTS = "process_defects"
    REDUCED_YIELD = "reduced_yield"
    UNKNOWN = "unknown"


def six_big_losses(acc: TimeAccount) -> dict[BigLoss, Fraction]:
    """The six big losses in ms of PBT; with the fully productive time they add up to PBT.

    Equipment failure = ADET; setup and adjustment = AUST; idling and minor stops = ADOT +
    micro-stop time; reduced speed = APT - micro-stops - ideal time (negative when
    effectiveness is above 1); reduced yield = ideal time of start-up scrap (made inside a
    start-up window, see `timemodel`); process defects = ideal time of the other scrap and
    of rework units.
    """
    e = acc.elements
    return {
        BigLoss.EQUIPMENT_FAILURE: Fraction(e.adet),
        BigLoss.SETUP_ADJUSTMENT: Fraction(e.aust),
        BigLoss.IDLING_MINOR_STOPS: Fraction(e.adot + acc.micro_stop_time_ms),
        BigLoss.REDUCED_SPEED: e.apt - acc.micro_stop_time_ms - e.ideal_ms,
        BigLoss.PROCESS_DEFECTS: e.ideal_ms - e.ideal_good_ms - e.ideal_startup_ms,
        BigLoss.REDUCED_YIELD: e.ideal_startup_ms,
        BigLoss.UNKNOWN: Fraction(e.unknown),
    }
