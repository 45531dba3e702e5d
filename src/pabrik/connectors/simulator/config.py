"""Configuration of the simulated plant connector, as written under ``connectors:``."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, model_serializer

from pabrik.model.fields import Identifier
from pabrik.model.shifts import Weekday


class LineRoster(BaseModel):
    """Which of the plant's shifts a line is staffed for, and on which days."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    shifts: list[Identifier] | None = None
    days: list[Weekday] | None = None


class SimulatorConfig(BaseModel):
    """A deterministic simulated plant: same seed, same records."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["simulator"] = "simulator"
    id: Identifier = "sim"
    # 64 bits: a longer seed adds nothing, and past 4300 digits it cannot even be printed.
    seed: int = Field(ge=-(2**63), le=2**63 - 1)
    count_period_s: int = Field(default=30, ge=1, le=3600)
    sample_period_s: int = Field(default=60, ge=1, le=3600)
    stop_rate_scale: float = Field(
        default=1.0, ge=0, le=10, description="Multiplies how often unplanned stops happen."
    )
    mtbf_hours: float = Field(
        default=48.0, gt=0, le=10_000, description="Mean running hours between breakdowns."
    )
    fault_lead_hours: float = Field(
        default=4.0, ge=0, le=24, description="How long a developing fault shows before it breaks."
    )
    changeover_every_hours: float = Field(
        default=16.0, gt=0, le=10_000, description="Mean running hours between product changes."
    )
    slow_share: float = Field(
        default=0.2, ge=0, le=0.9, description="Share of running time spent below ideal speed."
    )
    scrap_rate: float = Field(
        default=0.015,
        ge=0,
        le=0.5,
        description="Typical share of units scrapped in steady running.",
    )
    planned_maintenance_chance: float = Field(
        default=0.05, ge=0, le=1, description="Chance a shift starts with planned maintenance."
    )
    power_kw: dict[Identifier, Annotated[float, Field(gt=0, le=100_000)]] = Field(
        default_factory=dict, description="Rated power by machine id, overriding the kind default."
    )
    rosters: dict[Identifier, LineRoster] = Field(
        default_factory=dict, description="Shifts and days by line id; unlisted lines run them all."
    )
    manual_lines: list[Identifier] = Field(
        default_factory=list,
        description="Lines run from the operator terminal alone: the simulator leaves them out.",
    )
    sensor_events_every_minutes: float = Field(
        default=0,
        ge=0,
        le=7 * 1440,
        description="One spike or drift on some machine's gauge this often (0: none).",
    )

    @model_serializer(mode="wrap")
    def _without_empty_manual_lines(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # Without manual lines the config dumps as before, so a simulated history's
        # fingerprint holds across the upgrade.
        data: dict[str, Any] = handler(self)
        if not self.manual_lines:
            data.pop("manual_lines", None)
        if not self.sensor_events_every_minutes:
            data.pop("sensor_events_every_minutes", None)
        return data
