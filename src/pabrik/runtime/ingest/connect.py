"""Connection use cases for the command line: browse an OPC UA server, probe a connector."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from pydantic import SecretStr, ValidationError

from pabrik.connectors.contract import ProbeResult
from pabrik.connectors.opcua.browse import browse, signal_map_yaml, slug
from pabrik.connectors.opcua.config import OpcuaEndpoint
from pabrik.connectors.opcua.session import SESSION_ERRORS
from pabrik.model.errors import ConfigError, ConfigIssue, PabrikError
from pabrik.runtime.ingest.connectors import FACTORIES
from pabrik.runtime.plant.siteconfig import load_site


class ConnectorUnavailableError(PabrikError):
    """A device or server that cannot be reached or does not answer."""

    code = "connector_unavailable"


@dataclass(frozen=True, slots=True)
class BrowseReport:
    """What a browse found and the starter map it wrote."""

    variables: int
    numeric: int
    yaml_text: str


def _endpoint(url: str, username: str | None, password: str | None) -> OpcuaEndpoint:
    host = urlparse(url).hostname or "server"
    try:
        return OpcuaEndpoint(
            id=slug(f"opcua-{host}"),
            endpoint=url,
            username=username,
            password=SecretStr(password) if password is not None else None,
        )
    except ValidationError as err:
        issues = [ConfigIssue(".".join(map(str, e["loc"])), e["msg"]) for e in err.errors()]
        raise ConfigError(url, issues) from err


async def browse_opcua(
    url: str,
    *,
    depth: int = 4,
    username: str | None = None,
    password: str | None = None,
) -> BrowseReport:
    """Walk an OPC UA server (security None) and return a starter signal map."""
    config = _endpoint(url, username, password)
    try:
        found = await browse(config, depth)
    except SESSION_ERRORS as err:
        raise ConnectorUnavailableError(
            f"cannot browse {url}: {type(err).__name__} {err}", url=url
        ) from err
    text = signal_map_yaml(url, found, config.id)
    return BrowseReport(len(found), sum(v.numeric for v in found), text)


@dataclass(frozen=True, slots=True)
class ProbeReport:
    """A probe's result with the connector it tested."""

    kind: str
    connector: str
    result: ProbeResult


async def probe_connector(config_path: Path, connector_id: str) -> ProbeReport:
    """Test one configured connector's connection once, delivering nothing."""
    site = load_site(config_path)
    config = next((c for c in site.connectors if c.id == connector_id), None)
    if config is None:
        known = ", ".join(c.id for c in site.connectors) or "none"
        raise ConfigError(
            str(config_path),
            [ConfigIssue("connectors", f"no connector '{connector_id}' (known: {known})")],
        )
    factory = FACTORIES.get(config.kind)
    if factory is None:
        raise ConfigError(
            str(config_path),
            [ConfigIssue("connectors", f"connector kind '{config.kind}' cannot be probed")],
        )
    result = await factory(config, site.plant()).probe()
    return ProbeReport(config.kind, config.id, result)
