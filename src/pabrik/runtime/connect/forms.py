"""Forms generated from the connectors' pydantic configuration models, so form and YAML agree.

Every field of a model becomes one form field whose name is its dotted path in the YAML
(``broker.port``, ``devices.0.points.3.address``). ``fields_of`` describes them, ``encode``
writes a configuration as flat text values, and ``decode`` reads flat values back into the
model. Secrets are never encoded; a blank secret keeps the previous value.
"""

from __future__ import annotations

import types
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, SecretStr, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

Widget = Literal["text", "number", "select", "bool", "secret", "lines", "mapping", "group", "table"]
ON = "__on"
DELETE = "__delete"
ROW = "__row"
# Typed into an optional field whose default is not empty (Sparkplug host_id): set it to none.
NULL = "null"


@dataclass(frozen=True, slots=True)
class FormField:
    """One field of a generated form: its YAML key, widget and constraints."""

    key: str
    widget: Widget
    required: bool
    optional: bool
    default: str
    choices: tuple[str, ...] = ()
    description: str = ""
    children: tuple[FormField, ...] = ()
    model: type[BaseModel] | None = None
    literal: tuple[Any, ...] = ()


@dataclass(slots=True)
class FormError:
    """A validation problem at a form field's dotted name ('' for the whole form)."""

    name: str
    message: str


@dataclass(slots=True)
class Decoded:
    """The model a form decodes to, or the problems that stopped it."""

    config: BaseModel | None
    errors: list[FormError] = field(default_factory=list)


def _strip_annotated(tp: Any) -> Any:
    while get_origin(tp) is Annotated:
        tp = get_args(tp)[0]
    return tp


def _unwrap_optional(tp: Any) -> tuple[Any, bool]:
    tp = _strip_annotated(tp)
    if get_origin(tp) in (Union, types.UnionType):
        members = [a for a in get_args(tp) if a is not type(None)]
        optional = len(members) < len(get_args(tp))
        if len(members) == 1:
            return _strip_annotated(members[0]), optional
        return tp, optional
    return tp, False


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _text(value: Any) -> str:
    if value is None or value is PydanticUndefined:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, float) and value.is_integer():
        return f"{value:g}" if abs(value) < 1e15 else str(value)
    return str(value)


def _default(info: FieldInfo) -> Any:
    if info.default_factory is not None:
        return info.default_factory()  # type: ignore[call-arg]
    return info.default


def _widget(tp: Any) -> tuple[Widget, type[BaseModel] | None, tuple[Any, ...]]:
    """The widget for a (non-optional) annotation, the model it nests, its choices."""
    origin = get_origin(tp)
    found: tuple[Widget, type[BaseModel] | None, tuple[Any, ...]] = ("text", None, ())
    if _is_model(tp):
        found = ("group", tp, ())
    elif origin is list:
        item = _strip_annotated(get_args(tp)[0])
        found = ("table", item, ()) if _is_model(item) else ("lines", None, ())
    elif origin is dict:
        found = ("mapping", None, ())
    elif origin is Literal:
        found = ("select", None, get_args(tp))
    elif isinstance(tp, type) and issubclass(tp, Enum):
        found = ("select", None, tuple(m.value for m in tp))
    elif tp is SecretStr:
        found = ("secret", None, ())
    elif tp is bool:
        found = ("bool", None, ())
    elif tp in (int, float):
        found = ("number", None, ())
    return found


def _describe(key: str, info: FieldInfo) -> FormField:
    tp, optional = _unwrap_optional(info.annotation)
    required = info.is_required()
    default = None if required else _default(info)
    widget, model, literal = _widget(tp)
    if widget in ("group", "table", "secret"):
        shown = ""
    elif widget == "lines":
        shown = "\n".join(map(_text, default or []))
    elif widget == "mapping":
        shown = _mapping_text(default)
    else:
        shown = _text(default)
    return FormField(
        key=key,
        widget=widget,
        required=required,
        optional=optional,
        default=shown,
        choices=tuple(_text(v) for v in literal),
        description=info.description or "",
        children=fields_of(model) if model is not None else (),
        model=model,
        literal=literal,
    )


def fields_of(model: type[BaseModel]) -> tuple[FormField, ...]:
    """The form fields of a model, in declaration order (``kind`` included, fixed)."""
    return tuple(_describe(k, info) for k, info in model.model_fields.items())


def _mapping_text(value: Any) -> str:
    if not value:
        return ""
    plain = _plain(value)
    return yaml.safe_dump(plain, allow_unicode=True, sort_keys=False, default_flow_style=False)


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_defaults=True)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, Enum):
        return value.value
    return value


def encode(config: BaseModel) -> dict[str, str]:
    """Flat form values of a configuration; secrets are left out (write-only)."""
    out: dict[str, str] = {}
    _encode_into(out, "", fields_of(type(config)), config)
    return out


def _encode_into(
    out: dict[str, str], prefix: str, specs: tuple[FormField, ...], obj: BaseModel
) -> None:
    for spec in specs:
        name = f"{prefix}{spec.key}"
        value = getattr(obj, spec.key)
        if spec.widget == "secret":
            continue
        if spec.widget == "group":
            if value is None:
                continue
            if spec.optional:
                out[f"{name}.{ON}"] = "true"
            _encode_into(out, f"{name}.", spec.children, value)
        elif spec.widget == "table":
            for i, row in enumerate(value or []):
                out[f"{name}.{i}.{ROW}"] = ""
                _encode_into(out, f"{name}.{i}.", spec.children, row)
        elif spec.widget == "lines":
            if value is not None:
                out[name] = "\n".join(map(_text, value))
        elif spec.widget == "mapping":
            out[name] = _mapping_text(value)
        elif value is None and spec.optional and spec.default:
            out[name] = NULL  # an explicit "none" where the default is something else
        else:
            out[name] = _text(value)


def secret_set(config: BaseModel | None, name: str) -> bool:
    """Whether the configuration holds a (non-empty) secret at a dotted name."""
    value = _at(config, name)
    return isinstance(value, SecretStr) and bool(value.get_secret_value())


def _at(obj: Any, name: str) -> Any:
    for part in name.split("."):
        if obj is None:
            return None
        if isinstance(obj, list):
            index = int(part) if part.isdigit() else -1
            obj = obj[index] if 0 <= index < len(obj) else None
        else:
            obj = getattr(obj, part, None)
    return obj


def row_indices(values: Mapping[str, str], name: str) -> list[int]:
    """The row numbers a table has in flat values, without rows marked for deletion."""
    prefix = f"{name}."
    found: set[int] = set()
    for key in values:
        head = key[len(prefix) :].split(".", 1)[0] if key.startswith(prefix) else ""
        if head.isdigit():
            found.add(int(head))
    return sorted(i for i in found if not values.get(f"{name}.{i}.{DELETE}"))


class _Problems:
    def __init__(self) -> None:
        self.items: list[FormError] = []


MAX_MAPPING_CHARS = 20_000
MAX_MAPPING_BRACKETS = 100


def _decode_mapping(raw: str, name: str, problems: _Problems) -> Any:
    # Bounded before parsing: a deeply nested document costs the YAML parser seconds.
    if len(raw) > MAX_MAPPING_CHARS or raw.count("[") + raw.count("{") > MAX_MAPPING_BRACKETS:
        problems.items.append(FormError(name, "too long or too deeply nested"))
        return None
    try:
        loaded = yaml.safe_load(raw)
    except (yaml.YAMLError, RecursionError, ValueError) as err:
        # A hostile nesting depth is a problem of the field, never a server error.
        problems.items.append(FormError(name, f"not valid YAML: {str(err)[:200]}"))
        return None
    if not isinstance(loaded, dict):
        problems.items.append(FormError(name, "write one 'key: value' per line"))
        return None
    return {str(k): v for k, v in loaded.items()}


def _decode_value(spec: FormField, raw: str, name: str, problems: _Problems) -> Any:
    value: Any = raw.strip()
    if spec.widget == "bool":
        value = value.lower() in {"true", "on", "1", "yes"}
    elif spec.widget == "select" and spec.literal:
        value = next((v for v in spec.literal if _text(v) == raw), raw)
    elif spec.widget == "lines":
        value = [line.strip() for line in raw.splitlines() if line.strip()]
    elif spec.widget == "mapping":
        value = _decode_mapping(raw, name, problems)
    return value


def _decode_into(
    values: Mapping[str, str],
    prefix: str,
    specs: tuple[FormField, ...],
    previous: Any,
    problems: _Problems,
) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for spec in specs:
        name = f"{prefix}{spec.key}"
        old = getattr(previous, spec.key, None) if isinstance(previous, BaseModel) else None
        if spec.widget == "secret":
            # Write-only: a blank field keeps the stored secret.
            secret = values.get(name, "") or (old if isinstance(old, SecretStr) else None)
            if secret:
                data[spec.key] = secret
        elif spec.widget == "group":
            if spec.optional and not values.get(f"{name}.{ON}"):
                continue
            data[spec.key] = _decode_into(values, f"{name}.", spec.children, old, problems)
        elif spec.widget == "table":
            rows = []
            for i in row_indices(values, name):
                before = old[i] if isinstance(old, list) and i < len(old) else None
                rows.append(_decode_into(values, f"{name}.{i}.", spec.children, before, problems))
            if rows or spec.required:
                data[spec.key] = rows
        else:
            raw = values.get(name, "")
            if raw.strip() == "":
                continue
            if spec.optional and raw.strip() == NULL:
                data[spec.key] = None
                continue
            decoded = _decode_value(spec, raw, name, problems)
            if decoded is not None:
                data[spec.key] = decoded
    return data


def decode(
    model: type[BaseModel], values: Mapping[str, str], previous: BaseModel | None = None
) -> Decoded:
    """Read flat form values into ``model``; blank secrets keep ``previous``'s values."""
    problems = _Problems()
    data = _decode_into(values, "", fields_of(model), previous, problems)
    if problems.items:
        return Decoded(None, problems.items)
    try:
        return Decoded(model.model_validate(data))
    except ValidationError as err:
        return Decoded(None, [_error(e) for e in err.errors()])


def _error(e: Any) -> FormError:
    loc = [str(p) for p in e["loc"] if not (isinstance(p, str) and "[" in p)]
    message = str(e["msg"]).removeprefix("Value error, ")
    return FormError(".".join(loc), message)


def file_value(value: Any) -> str:
    """A path or other value as form text (used by tests walking every field)."""
    return str(value) if isinstance(value, Path) else _text(value)
