"""Configuration of the OPC UA connector, as written under ``connectors:``."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

from pabrik.model.fields import Identifier
from pabrik.model.states import StateClass

Role = Literal["sample", "state", "count"]
CountField = Literal["good", "scrap", "rework"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OpcuaSecurity(_Strict):
    """Message security: None, or Basic256Sha256 signing (and encryption) with certificates."""

    policy: Literal["None", "Basic256Sha256"] = "None"
    mode: Literal["None", "Sign", "SignAndEncrypt"] = "None"
    certificate: Path | None = Field(default=None, description="Client certificate (DER or PEM).")
    private_key: Path | None = Field(default=None, description="Client private key (PEM).")
    private_key_password: SecretStr | None = None
    server_certificate: Path | None = Field(
        default=None, description="Pin the server certificate; else taken from its endpoint."
    )
    application_uri: str | None = Field(
        default=None, description="Client application URI; read from the certificate if unset."
    )

    @model_validator(mode="after")
    def _complete(self) -> Self:
        if self.policy == "None":
            if self.mode != "None":
                raise ValueError("mode must be None when policy is None")
            return self
        if self.mode == "None":
            raise ValueError("Basic256Sha256 needs mode Sign or SignAndEncrypt")
        if self.certificate is None or self.private_key is None:
            raise ValueError("Basic256Sha256 needs certificate and private_key")
        return self


class OpcuaSignal(_Strict):
    """One node and what its value means for the plant."""

    node: str = Field(min_length=1, max_length=512, description="Node id, e.g. ns=2;s=Press1.Temp")
    machine: Identifier
    role: Role = "sample"
    signal: Identifier | None = Field(default=None, description="Signal id, for role sample.")
    scale: float = 1.0
    offset: float = 0.0
    states: dict[str, StateClass] = Field(
        default_factory=dict, description="Raw value -> state class, for role state."
    )
    count_field: CountField = "good"
    publishing_interval_ms: float | None = Field(
        default=None, gt=0, le=3_600_000, description="Overrides the connector's interval."
    )

    @model_validator(mode="after")
    def _role_fields(self) -> Self:
        if self.role == "sample" and self.signal is None:
            raise ValueError("role sample needs signal")
        return self


class OpcuaEndpoint(_Strict):
    """Where a server is and how to open a session with it."""

    id: Identifier
    endpoint: str = Field(pattern=r"^opc\.tcp://", max_length=512)
    security: OpcuaSecurity = OpcuaSecurity()
    username: str | None = Field(default=None, max_length=256)
    password: SecretStr | None = None
    timeout_s: float = Field(default=4.0, gt=0, le=120)
    watchdog_interval_s: float = Field(default=1.0, gt=0, le=600)
    batch_size: int = Field(
        default=1000, ge=1, le=100_000, description="Most nodes per call, below server limits."
    )

    @model_validator(mode="after")
    def _identity(self) -> Self:
        if self.password is not None and self.username is None:
            raise ValueError("password needs username")
        return self


class OpcuaConfig(OpcuaEndpoint):
    """An OPC UA server read through subscriptions (or batched reads as a fallback)."""

    kind: Literal["opcua"] = "opcua"
    mode: Literal["subscribe", "read"] = Field(
        default="subscribe", description="Subscriptions, or batched reads for servers without."
    )
    publishing_interval_ms: float = Field(default=1000, gt=0, le=3_600_000)
    sampling_interval_ms: float = Field(default=500, ge=0, le=3_600_000)
    queue_size: int = Field(default=10, ge=1, le=10_000)
    read_interval_s: float = Field(default=1.0, ge=0.01, le=3600)
    stale_after_intervals: int = Field(default=3, ge=1, le=1000)
    bad_after_intervals: int = Field(default=10, ge=1, le=10_000)
    reconnect_initial_s: float = Field(default=0.5, gt=0, le=60)
    reconnect_max_s: float = Field(default=30.0, gt=0, le=3600)
    signals: list[OpcuaSignal] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        dupes = sorted(n for n, k in Counter(s.node for s in self.signals).items() if k > 1)
        if dupes:
            raise ValueError(f"node(s) listed twice: {', '.join(dupes[:5])}")
        if self.bad_after_intervals < self.stale_after_intervals:
            raise ValueError("bad_after_intervals must be >= stale_after_intervals")
        return self

    def interval_ms(self, signal: OpcuaSignal) -> float:
        """The publishing interval a signal's subscription uses."""
        return signal.publishing_interval_ms or self.publishing_interval_ms
