"""Configuration of the Sparkplug B host connector: broker, host id and the metric map."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from pabrik.connectors.mqtt.config import BrokerConfig
from pabrik.model.fields import Identifier

# Sparkplug ids are UTF-8 without the MQTT topic separators and wildcards.
SparkplugId = Field(min_length=1, max_length=128, pattern=r"^[^/+#]+$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MetricMap(_Strict):
    """What one Sparkplug metric means in pabrik: a signal, the machine state, or a count."""

    signal: Identifier | None = None
    state: bool = False
    count: Literal["good", "scrap", "rework"] | None = None
    cumulative: bool = Field(
        default=True, description="A count metric is a running total (pabrik stores deltas)."
    )

    @model_validator(mode="after")
    def _one_meaning(self) -> Self:
        if sum((self.signal is not None, self.state, self.count is not None)) != 1:
            raise ValueError("give exactly one of signal, state or count")
        return self


class DeviceMap(_Strict):
    """The metrics of one Edge Node (device omitted) or one Device, for one machine."""

    group: str | None = Field(default=None, min_length=1, max_length=128, pattern=r"^[^/+#]+$")
    edge: str = SparkplugId
    device: str | None = Field(default=None, min_length=1, max_length=128, pattern=r"^[^/+#]+$")
    machine: Identifier
    metrics: dict[str, Identifier | MetricMap] = Field(min_length=1)

    def meaning(self, metric: str) -> MetricMap | None:
        """What a metric name maps to, if it is mapped."""
        found = self.metrics.get(metric)
        if found is None or isinstance(found, MetricMap):
            return found
        return MetricMap(signal=found)


class SparkplugConfig(_Strict):
    """A Sparkplug B 3.0 Host Application that ingests mapped metrics of Edge Nodes."""

    kind: Literal["sparkplug"] = "sparkplug"
    id: Identifier = "sparkplug"
    broker: BrokerConfig = BrokerConfig()
    groups: list[str] = Field(
        default_factory=lambda: ["+"], description="Sparkplug group ids to subscribe; + for all."
    )
    host_id: str | None = Field(
        default="pabrik",
        min_length=1,
        max_length=128,
        pattern=r"^[^/+#]+$",
        description="Publish the primary host STATE under this id; null: not a primary host.",
    )
    devices: list[DeviceMap] = Field(default_factory=list)
    rebirth_interval_s: float = Field(
        default=1.0, ge=0, le=3600, description="At most one rebirth request per node this often."
    )
    batch_size: int = Field(default=2000, ge=1, le=100_000)
    batch_interval_ms: int = Field(default=50, ge=1, le=60_000)

    def filters(self) -> list[str]:
        """The topic filters of the host: every group's messages and its own STATE."""
        found = [f"spBv1.0/{g}/#" for g in dict.fromkeys(self.groups)]
        if self.host_id is not None:
            found.append(f"spBv1.0/STATE/{self.host_id}")
        return found
