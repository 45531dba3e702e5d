"""Load the site YAML file and explain every problem by its path (and line) in the file."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Annotated, Any, get_args

import yaml
from pydantic import ConfigDict, Field, ValidationError

from pabrik.alarms.definitions import AlarmSettings
from pabrik.alarms.scoping import unknown_references as unknown_alarm_references
from pabrik.connectors.modbus.config import ModbusConfig
from pabrik.connectors.mqtt.config import MqttConfig
from pabrik.connectors.opcua.config import OpcuaConfig
from pabrik.connectors.simulator.config import SimulatorConfig
from pabrik.connectors.sparkplug.config import SparkplugConfig
from pabrik.model.errors import ConfigError, ConfigIssue
from pabrik.model.site import Plant
from pabrik.runtime.plant.references import Problem, unknown_references

ConnectorConfig = Annotated[
    SimulatorConfig | ModbusConfig | OpcuaConfig | MqttConfig | SparkplugConfig,
    Field(discriminator="kind"),
]


class SiteConfig(Plant):
    """The whole site file: the plant plus its connectors."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    connectors: list[ConnectorConfig] = Field(default_factory=list)
    alarms: AlarmSettings = AlarmSettings()

    def plant(self) -> Plant:
        """The plant part, without connector settings and alarm definitions."""
        return Plant.model_validate(self.model_dump(exclude={"connectors", "alarms"}))

    def simulator(self) -> SimulatorConfig | None:
        """The first simulator connector, if any."""
        return next((c for c in self.connectors if isinstance(c, SimulatorConfig)), None)


_MESSAGES = {
    "greater_than": "must be > {gt}",
    "greater_than_equal": "must be >= {ge}",
    "less_than": "must be < {lt}",
    "less_than_equal": "must be <= {le}",
    "missing": "is required",
    "extra_forbidden": "is not a known setting",
    "string_pattern_mismatch": "must be lower-case letters, digits, '-' or '_'",
    "too_short": "must not be empty",
}


def _path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _message(err: Any) -> str:
    template = _MESSAGES.get(err["type"])
    if template is not None:
        return template.format(**(err.get("ctx") or {}))
    return str(err["msg"]).removeprefix("Value error, ")


def _line_index(text: str) -> dict[tuple[int | str, ...], int]:
    """Map each path in the YAML document to the line where it starts."""
    lines: dict[tuple[int | str, ...], int] = {}

    def walk(node: yaml.Node, path: tuple[int | str, ...]) -> None:
        lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                child = (*path, str(key.value))
                lines[child] = key.start_mark.line + 1
                walk(value, child)
                lines[child] = key.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                walk(item, (*path, i))

    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return lines
    if root is not None:
        walk(root, ())
    return lines


def _nearest_line(
    lines: dict[tuple[int | str, ...], int], loc: tuple[int | str, ...]
) -> int | None:
    for cut in range(len(loc), -1, -1):
        if loc[:cut] in lines:
            return lines[loc[:cut]]
    return None


def _connector_kinds() -> set[str]:
    """The ``kind`` tags of the connector union, which pydantic puts into error paths."""
    members = get_args(get_args(ConnectorConfig)[0]) or (get_args(ConnectorConfig)[0],)
    return {str(m.model_fields["kind"].default) for m in members}


def _without_union_tag(loc: tuple[int | str, ...]) -> tuple[int | str, ...]:
    # connectors[0].modbus.devices -> connectors[0].devices: the path as written in the file.
    if len(loc) > 2 and loc[0] == "connectors" and loc[2] in _connector_kinds():
        return loc[:2] + loc[3:]
    return loc


def _issues(err: ValidationError, text: str) -> list[ConfigIssue]:
    lines = _line_index(text)
    issues = []
    for e in err.errors():
        loc = tuple(p for p in e["loc"] if not (isinstance(p, str) and "(" in p))
        loc = _without_union_tag(loc)
        line = _nearest_line(lines, loc)
        suffix = f" (line {line})" if line else ""
        issues.append(ConfigIssue(_path(loc), _message(e) + suffix))
    return issues


def parse_site(text: str, source: str = "<text>") -> SiteConfig:
    """Validate a site document, raising ConfigError with one issue per problem."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise ConfigError(source, [ConfigIssue("", f"not valid YAML{where}: {err}")]) from err
    return _validate(data, text, source)


def validate_site(data: object, source: str = "<form>") -> SiteConfig:
    """Validate configuration data (a form's, not a file's): errors by path, without lines."""
    return _validate(data, "", source)


def _validate(data: object, text: str, source: str) -> SiteConfig:
    if not isinstance(data, dict):
        raise ConfigError(source, [ConfigIssue("", "the file must hold a mapping of settings")])
    try:
        site = SiteConfig.model_validate(data)
    except ValidationError as err:
        raise ConfigError(source, _issues(err, text)) from err
    plant = site.plant()
    problems = unknown_references(plant, list(site.connectors))
    problems += unknown_alarm_references(site.alarms, plant)
    if problems:
        raise ConfigError(source, _located(problems, text))
    return site


def _located(problems: list[Problem], text: str) -> list[ConfigIssue]:
    lines = _line_index(text)
    issues = []
    for loc, message in problems:
        line = _nearest_line(lines, loc)
        issues.append(ConfigIssue(_path(loc), message + (f" (line {line})" if line else "")))
    return issues


DEMO_SITE = Path("examples/demo-plant.yaml")


def resolve_site_path(path: Path) -> Path:
    """The path itself, or the packaged demo plant when the default demo path is absent."""
    if path == DEMO_SITE and not path.is_file():
        return Path(str(resources.files("pabrik").joinpath("examples/demo-plant.yaml")))
    return path


def load_site(path: Path) -> SiteConfig:
    """Read and validate a site file (the demo plant is found outside the repository too)."""
    path = resolve_site_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise ConfigError(
            str(path), [ConfigIssue("", f"cannot read the file: {err.strerror}")]
        ) from err
    return parse_site(text, str(path))
