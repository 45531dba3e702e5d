"""Configuration of the MQTT connector (JSON unified namespace and foreign topic layouts)."""

from __future__ import annotations

import re
import socket
from pathlib import Path
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

from pabrik.model.fields import Identifier

KINDS = ("state", "count", "sample")
_TEMPLATE_NAME = re.compile(r"{([A-Za-z_][A-Za-z0-9_]*)}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TlsConfig(_Strict):
    """TLS to the broker: a CA to trust, and optionally a client certificate."""

    ca_file: Path | None = None
    cert_file: Path | None = None
    key_file: Path | None = None
    key_password: SecretStr | None = None
    insecure: bool = Field(
        default=False, description="Skip the host name check (test brokers only)."
    )

    @model_validator(mode="after")
    def _cert_with_key(self) -> Self:
        if (self.cert_file is None) != (self.key_file is None):
            raise ValueError("cert_file and key_file go together")
        return self


class BrokerConfig(_Strict):
    """Where the MQTT broker is and how to log in; shared by the MQTT and Sparkplug connectors."""

    host: str = Field(default="127.0.0.1", min_length=1, max_length=253)
    port: int = Field(default=1883, ge=1, le=65535)
    protocol: Literal["5", "3.1.1"] = "5"
    client_id: str | None = Field(
        default=None,
        max_length=128,
        description=(
            "Stable id of the session; default pabrik-<connector>-<host name>. `pabrik ingest`"
            " appends its worker id (--worker-id, default the host name) to it, set or not."
        ),
    )
    username: str | None = Field(default=None, max_length=256)
    # SecretStr keeps it out of repr(), str() and every dump of the configuration.
    password: SecretStr | None = Field(default=None, max_length=1024)
    tls: TlsConfig | None = None
    keepalive_s: int = Field(default=30, ge=5, le=3600)
    connect_timeout_s: float = Field(default=10, gt=0, le=300)
    reconnect_initial_s: float = Field(default=0.5, gt=0, le=60)
    reconnect_max_s: float = Field(default=30, gt=0, le=3600)

    def resolved_client_id(self, connector_id: str) -> str:
        """The configured client id, or one that is stable per connector and host."""
        return self.client_id or f"pabrik-{connector_id}-{socket.gethostname()}"[:128]


class TopicRule(_Strict):
    """Map a foreign topic layout to machines, kinds and signals without touching the gateway.

    ``filter`` is an MQTT topic filter whose wildcards may be named (``+machine``, ``#rest``);
    ``regex`` is a regular expression with named groups, matched against the whole topic.
    ``machine`` and ``signal`` are templates over those names, e.g. ``"press-{n}"``.
    ``fields`` maps pabrik payload keys (ts, value, state, reason, good, scrap...) to paths in
    the foreign JSON (dots for nesting, ``$`` for a payload that is a bare value).
    ``signals`` maps signal id templates to paths, for several values in one message.
    """

    filter: str | None = Field(default=None, min_length=1, max_length=1024)
    regex: str | None = Field(default=None, min_length=1, max_length=1024)
    subscribe: str | None = Field(
        default=None, description="Topic filter to subscribe for a regex rule."
    )
    machine: str = Field(min_length=1, max_length=200)
    kind: Literal["state", "count", "sample"]
    signal: str | None = Field(default=None, max_length=200)
    fields: dict[str, str] = Field(default_factory=dict)
    signals: dict[str, str] = Field(default_factory=dict)
    receive_time: bool = Field(
        default=False, description="Stamp messages with their time of receipt (no ts field)."
    )

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if (self.filter is None) == (self.regex is None):
            raise ValueError("give exactly one of filter or regex")
        if self.regex is not None:
            try:
                re.compile(self.regex)
            except re.error as err:
                raise ValueError(f"regex does not compile: {err}") from err
            if self.subscribe is None:
                raise ValueError("a regex rule needs a subscribe filter")
        if self.kind == "sample" and not (self.signal or self.signals):
            raise ValueError("a sample rule needs signal or signals")
        if self.kind != "sample" and (self.signal or self.signals):
            raise ValueError("only sample rules name signals")
        unknown = self.template_names() - self.bound_names()
        if unknown:
            raise ValueError(f"template names not bound by the topic: {', '.join(sorted(unknown))}")
        return self

    def bound_names(self) -> set[str]:
        """Names the topic binds: named wildcards, or the regex's named groups."""
        if self.regex is not None:
            return set(re.compile(self.regex).groupindex)
        assert self.filter is not None
        return {lvl[1:] for lvl in self.filter.split("/") if lvl[:1] in "+#" and len(lvl) > 1}

    def template_names(self) -> set[str]:
        """Names used in the machine and signal templates."""
        texts = [self.machine, self.signal or "", *self.signals]
        return {name for text in texts for name in _TEMPLATE_NAME.findall(text)}

    def subscription(self) -> str:
        """The MQTT filter to subscribe for this rule (named wildcards made plain)."""
        if self.subscribe is not None:
            return self.subscribe
        assert self.filter is not None
        return "/".join(lvl[:1] if lvl[:1] in "+#" else lvl for lvl in self.filter.split("/"))


class MqttConfig(_Strict):
    """An MQTT subscriber that ingests the pabrik unified namespace and mapped foreign topics."""

    kind: Literal["mqtt"] = "mqtt"
    id: Identifier = "mqtt"
    broker: BrokerConfig = BrokerConfig()
    qos: Literal[0, 1] = 1
    persistent_session: bool = Field(
        default=True, description="Keep the session (and QoS 1 messages) while disconnected."
    )
    session_expiry_s: int = Field(default=86_400, ge=0, le=4_294_967_295)
    share_group: str | None = Field(
        default=None,
        pattern=r"^[^/+#]+$",
        description=(
            "Subscribe as $share/<group>/... so several workers split the load. `pabrik ingest`"
            " always shares: --share-group, else this, else 'pabrik'."
        ),
    )
    native: bool = Field(default=True, description="Ingest pabrik/v1/<site>/... topics.")
    subscriptions: list[str] | None = Field(
        default=None, description="Filters to subscribe; default: the site and the topic_map."
    )
    topic_map: list[TopicRule] = Field(default_factory=list)
    batch_size: int = Field(default=2000, ge=1, le=100_000)
    batch_interval_ms: int = Field(default=50, ge=1, le=60_000)
    receive_maximum: int = Field(
        default=10_000,
        ge=1,
        le=65_535,
        description="QoS 1 messages the broker may have unacknowledged (MQTT 5).",
    )
    max_pending: int = Field(
        default=50_000, ge=100, description="Received but undecoded messages before reads pause."
    )

    def filters(self, site_id: str) -> list[str]:
        """The topic filters to subscribe, with the shared-subscription prefix when set."""
        if self.subscriptions is not None:
            plain = list(self.subscriptions)
        else:
            plain = [f"pabrik/v1/{site_id}/#"] if self.native else []
            plain += [r.subscription() for r in self.topic_map]
        unique = list(dict.fromkeys(plain))
        if self.share_group:
            return [f"$share/{self.share_group}/{f}" for f in unique]
        return unique
