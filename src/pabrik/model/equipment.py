"""What a machine is configured with: signals, products, stop reasons and its time-model map."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Any, Self

from pydantic import Field, SerializerFunctionWrapHandler, model_serializer, model_validator

from pabrik.model.fields import Identifier, Money, StrictModel, Text
from pabrik.model.states import StateClass


class SignalKind(StrEnum):
    """How a signal's values behave."""

    GAUGE = "gauge"
    COUNTER = "counter"


# Any sample beyond this magnitude is corrupt data, whatever the signal (a signal's own
# plausible range narrows it further). 1e15 is far above any physical reading or meter total.
DEFAULT_PLAUSIBLE_ABS = 1e15


class Plausible(StrictModel):
    """The range a signal's value can physically take; outside it a sample is refused."""

    min: float = Field(default=-DEFAULT_PLAUSIBLE_ABS, allow_inf_nan=False)
    max: float = Field(default=DEFAULT_PLAUSIBLE_ABS, allow_inf_nan=False)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.min >= self.max:
            raise ValueError("min must be below max")
        return self

    def contains(self, value: float) -> bool:
        """Whether ``value`` lies in [min, max]."""
        return self.min <= value <= self.max


class Signal(StrictModel):
    """A measured quantity on a machine (temperature, vibration, kWh meter...)."""

    id: Identifier
    name: Text
    unit: str = Field(default="", max_length=16)
    kind: SignalKind = SignalKind.GAUGE
    low: float | None = None
    high: float | None = None
    lsl: float | None = None
    """Lower specification limit, for the capability indices Cm, Cmk, Cp and Cpk."""
    usl: float | None = None
    """Upper specification limit, for the capability indices Cm, Cmk, Cp and Cpk."""
    plausible: Plausible = Field(default_factory=Plausible)
    """Values outside this range are dead-lettered as ``out_of_range`` (not alarm limits)."""

    @model_serializer(mode="wrap")
    def _without_default_range(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # A signal without its own range dumps as before, so fingerprints of a plant stay put.
        data: dict[str, Any] = handler(self)
        if self.plausible == Plausible():
            data.pop("plausible", None)
        return data

    @model_validator(mode="after")
    def _limits_ordered(self) -> Self:
        if self.low is not None and self.high is not None and self.low >= self.high:
            raise ValueError("low must be below high")
        if self.lsl is not None and self.usl is not None and self.lsl >= self.usl:
            raise ValueError("lsl must be below usl")
        return self


class Product(StrictModel):
    """A product a machine can run, with its ideal (planned) cycle time per unit."""

    id: Identifier
    name: Text
    ideal_cycle_time_s: Decimal = Field(gt=0, le=86400)
    scrap_cost_idr: Money | None = None


class MaintenanceKind(StrEnum):
    """Which maintenance a stop reason stands for, for the corrective maintenance ratio."""

    CORRECTIVE = "corrective"
    PREVENTIVE = "preventive"


class DowntimeReason(StrictModel):
    """A reason code an operator or a machine can give for a stop."""

    id: Identifier
    name: Text
    state: StateClass = StateClass.UNPLANNED_STOP
    maintenance: MaintenanceKind | None = None


class QualityReason(StrictModel):
    """Why units were scrapped: declared once for the site, for some machines or products."""

    id: Identifier
    name: Text
    machines: list[Identifier] = Field(default_factory=list)
    """The machines it applies to; empty: every machine."""
    products: list[Identifier] = Field(default_factory=list)
    """The products it applies to; empty: every product."""

    def applies(self, machine_id: str, product_id: str | None) -> bool:
        """Whether an operator of ``machine_id`` making ``product_id`` may give this reason."""
        machine_ok = not self.machines or machine_id in self.machines
        product_ok = not self.products or product_id is None or product_id in self.products
        return machine_ok and product_ok


class TimeElement(StrEnum):
    """The ISO 22400 time element a machine state is booked to inside planned operation time."""

    APT = "apt"
    AUST = "aust"
    ADET = "adet"
    ADOT = "adot"
    PDOT = "pdot"
    UNKNOWN = "unknown"


DEFAULT_ELEMENTS: dict[StateClass, TimeElement] = {
    StateClass.RUNNING: TimeElement.APT,
    StateClass.CHANGEOVER: TimeElement.AUST,
    StateClass.UNPLANNED_STOP: TimeElement.ADET,
    StateClass.IDLE: TimeElement.ADOT,
    StateClass.PLANNED_STOP: TimeElement.PDOT,
    StateClass.UNKNOWN: TimeElement.UNKNOWN,
}


class TimeModelMap(StrictModel):
    """Per machine: which ISO element a state class, or a reason (raw) code, is booked to.

    A reason entry wins over its state's entry; anything unlisted keeps the default
    (running APT, changeover AUST, unplanned stop ADET, idle ADOT, planned stop PDOT).
    """

    states: dict[StateClass, TimeElement] = Field(default_factory=dict)
    reasons: dict[str, TimeElement] = Field(default_factory=dict)

    def element(self, state: StateClass, reason: str | None) -> TimeElement:
        """The element for a state record."""
        if reason is not None and reason in self.reasons:
            return self.reasons[reason]
        return self.states.get(state, DEFAULT_ELEMENTS[state])
