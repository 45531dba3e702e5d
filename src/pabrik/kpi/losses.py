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
