"""Decode MQTT JSON payloads into records; pure, so it is fuzzed and replayed without a broker."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import msgspec

from pabrik.connectors.mqtt.config import MqttConfig
from pabrik.connectors.mqtt.topics import Route, Router
from pabrik.model.batch import SampleRow
from pabrik.model.records import Record, SampleRecord, to_epoch_ms
from pabrik.model.site import Plant
from pabrik.model.states import Quality, StateClass

# validation signals its reasons with this error; decode_payload covers one value per message,
# and multi-value messages need its timestamp rules too.
from pabrik.model.validation import Rejection, decode_payload, timestamp_or_rejection

RESERVED_KEYS = frozenset({"ts", "quality"})
_DEFAULT_FIELDS = {
    "state": ("ts", "state", "reason", "product", "order"),
    "count": ("ts", "good", "scrap", "rework", "product"),
    "sample": ("ts", "value", "quality"),
}
_MISSING = object()
_QUALITIES = frozenset(q.value for q in Quality)
_MAX_TS_MS = 1e14  # as parse_timestamp: epoch milliseconds must lie in [0, 1e14)
_FAST_JSON = msgspec.json.Decoder()


class JsonDecoder:
    """Turn one MQTT message into records of the plant, or a reason to refuse it."""

    def __init__(self, config: MqttConfig, plant: Plant) -> None:
        self.source = config.id
        self.plant = plant
        self.max_bytes = plant.limits.max_payload_bytes
        self.router = Router(plant, list(config.topic_map), native=config.native)
        self._state_maps = {m.id: m.state_map for m in plant.machines()}

    def decode(self, topic: str, payload: bytes, now: datetime) -> list[Record] | Rejection:
        """Records from one message; ``now`` stamps messages of receive-time rules."""
        route = self.router.resolve(topic)
        if isinstance(route, Rejection):
            return route
        if len(payload) > self.max_bytes:
            detail = f"{len(payload)} bytes is over the {self.max_bytes} byte limit"
            return Rejection("payload_too_large", detail)
        if route.rule is None:
            return self._native(route, payload)
        return self._mapped(route, payload, now)

    def fast_rows(self, topic: str, payload: bytes, out: list[SampleRow]) -> bool:
        """Append the sample rows of a plain native sample message; False leaves it to decode.

        Only a message every check passes takes this path (numbers, known signals, a good
        timestamp and quality), so refusals keep their exact codes and details from decode.
        """
        route = self.router.resolve(topic)
        if type(route) is not Route or route.rule is not None or route.kind != "sample":
            return False
        if route.signal_id is not None or len(payload) > self.max_bytes:
            return False
        data = _json_any(payload)
        if type(data) is not dict:
            return False
        ts_ms = _fast_ts(data.get("ts"))
        quality = data.get("quality", "good")
        if ts_ms is None or type(quality) is not str or quality not in _QUALITIES:
            return False
        row = (route.machine_id, ts_ms, self.source, quality)
        rows = _fast_rows(data, self.router.signals_of(route.machine_id), row)
        if not rows:
            return False
        out.extend(rows)
        return True

    def _native(self, route: Route, payload: bytes) -> list[Record] | Rejection:
        if route.kind == "state":
            return self._native_state(route, payload)
        if route.kind != "sample" or route.signal_id is not None:
            return _one(self._single(route, payload))
        data = _json_object(payload)
        if isinstance(data, Rejection):
            return data
        values = ((k, v) for k, v in data.items() if k not in RESERVED_KEYS)
        return self._values(route.machine_id, values, data.get("ts"), data.get("quality"))

    def _native_state(self, route: Route, payload: bytes) -> list[Record] | Rejection:
        """A state message through the machine's state_map, as on mapped topics."""
        data = _json_object(payload)
        if isinstance(data, Rejection):
            return data
        if "state" in data:
            data["state"] = self._state_name(route.machine_id, data["state"])
        return _one(self._single(route, _reencoded(data), reencoded=True))

    def _single(
        self, route: Route, payload: bytes | str, *, reencoded: bool = False
    ) -> Record | Rejection:
        try:
            return decode_payload(
                payload,
                kind=route.kind,
                source=self.source,
                machine_id=route.machine_id,
                signal_id=route.signal_id,
                # The raw payload was measured already; escapes may make our re-encoding longer.
                max_bytes=self.max_bytes * 8 if reencoded else self.max_bytes,
            )
        except OverflowError:
            # An integer too large for a float escapes decode_payload's finiteness check.
            return Rejection("not_finite", "a number is too large")

    def _mapped(self, route: Route, payload: bytes, now: datetime) -> list[Record] | Rejection:
        assert route.rule is not None
        fields = {key: key for key in _DEFAULT_FIELDS[route.kind]} | dict(route.rule.fields)
        data = _json_any(payload)
        if isinstance(data, Rejection) and "$" in fields.values():
            # Gateways often publish a bare value as plain text ("RUN", "23.5").
            data = _plain_text(payload, data)
        if isinstance(data, Rejection):
            return data
        ts: Any = now.isoformat() if route.rule.receive_time else _pick(data, fields["ts"])
        if ts is _MISSING:
            return Rejection("missing_field", f"'{fields['ts']}' (the timestamp) is missing")
        if route.signals:
            values = ((sig, _pick(data, path)) for sig, path in route.signals)
            quality = _pick(data, fields["quality"])
            return self._values(
                route.machine_id, values, ts, None if quality is _MISSING else quality
            )
        normal: dict[str, Any] = {"ts": ts}
        for key, path in fields.items():
            value = _pick(data, path) if key != "ts" else _MISSING
            if value is not _MISSING:
                normal[key] = value
        if route.kind == "state" and "state" in normal:
            normal["state"] = self._state_name(route.machine_id, normal["state"])
        return _one(self._single(route, _reencoded(normal), reencoded=True))

    def _state_name(self, machine_id: str, raw: Any) -> Any:
        """A vendor state code through the machine's state_map; pabrik names pass as they are."""
        key = str(raw).lower() if isinstance(raw, bool) else str(raw)
        mapped: StateClass | None = self._state_maps.get(machine_id, {}).get(key)
        if mapped is not None:
            return mapped.value
        # An unmapped numeric code is an unknown state, not a wrong type.
        return key if isinstance(raw, int | float) else raw

    def _values(
        self, machine_id: str, values: Iterable[tuple[str, Any]], ts_raw: Any, quality_raw: Any
    ) -> list[Record] | Rejection:
        ts = timestamp_or_rejection(ts_raw)
        if isinstance(ts, Rejection):
            return ts
        quality = _quality(quality_raw)
        if isinstance(quality, Rejection):
            return quality
        known = self.router.signals_of(machine_id)
        records: list[Record] = []
        source = self.source
        for signal, raw in values:
            # Fast path for the common case: a known signal with a finite float.
            if type(raw) is float and signal in known and math.isfinite(raw):
                value = raw
            else:
                checked = _number(signal, raw, known)
                if isinstance(checked, Rejection):
                    return checked
                value = checked
            records.append(SampleRecord(source, machine_id, signal, ts, value, quality))
        if not records:
            return Rejection("missing_field", "the message carries no values")
        return records


def _reencoded(data: dict[str, Any]) -> str:
    return json.dumps(data, allow_nan=True, default=str)


def _one(decoded: Record | Rejection) -> list[Record] | Rejection:
    return decoded if isinstance(decoded, Rejection) else [decoded]


def _fast_rows(
    data: dict[str, Any], known: frozenset[str], row: tuple[str, int, str, str]
) -> list[SampleRow] | None:
    """The rows of a message whose values are all finite numbers of known signals, else None.

    ``row`` is (machine, ts_ms, source, quality), what every row of the message shares.
    """
    machine_id, ts_ms, source, quality = row
    values: list[SampleRow] = []
    for signal, raw in data.items():
        if signal in RESERVED_KEYS:
            continue
        kind = type(raw)
        if kind is not float and kind is not int:
            return None
        try:
            value = float(raw)
        except OverflowError:
            return None
        if signal not in known or not math.isfinite(value):
            return None
        values.append((machine_id, signal, ts_ms, source, value, quality))
    return values


def _fast_ts(raw: Any) -> int | None:
    """Epoch ms of a timestamp exactly as parse_timestamp reads it; None when it would refuse."""
    kind = type(raw)
    if kind is int or kind is float:
        return int(raw) if 0 <= raw < _MAX_TS_MS else None
    if kind is str:
        ts = timestamp_or_rejection(raw)
        return None if isinstance(ts, Rejection) else to_epoch_ms(ts)
    return None


def _json_any(payload: bytes) -> Any:
    try:
        # msgspec is several times faster; on anything it refuses, json decides (and words it).
        return _FAST_JSON.decode(payload)
    except Exception:  # noqa: BLE001, S110 - json below gives the answer and its wording
        pass
    try:
        return json.loads(payload)
    except (ValueError, UnicodeDecodeError) as err:
        return Rejection("malformed_json", f"not valid JSON: {str(err)[:200]}")
    except RecursionError:
        return Rejection("malformed_json", "payload nests too deeply")


def _plain_text(payload: bytes, rejection: Rejection) -> Any:
    try:
        text = payload.decode("utf-8").strip()
    except UnicodeDecodeError:
        return rejection
    return text or rejection


def _json_object(payload: bytes) -> dict[str, Any] | Rejection:
    data = _json_any(payload)
    if isinstance(data, Rejection):
        return data
    if not isinstance(data, dict):
        return Rejection("wrong_type", "payload must be a JSON object")
    return data


def _pick(data: Any, path: str) -> Any:
    """The value at a dotted path ('$' is the whole payload), or _MISSING."""
    if path == "$":
        return data
    node = data
    for part in path.split("."):
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return _MISSING
    return node


def _quality(raw: Any) -> Quality | Rejection:
    if raw is None:
        return Quality.GOOD
    if isinstance(raw, str) and raw in Quality._value2member_map_:
        return Quality(raw)
    return Rejection("wrong_type", f"quality {str(raw)[:40]!r} is not good, uncertain or bad")


def _number(signal: str, raw: Any, known: frozenset[str]) -> float | Rejection:
    if signal not in known:
        return Rejection("unknown_signal", f"signal '{signal[:64]}' is not configured")
    if raw is _MISSING or raw is None:
        return Rejection("missing_field", f"'{signal[:64]}' has no value")
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        kind = type(raw).__name__
        return Rejection("wrong_type", f"'{signal[:64]}' must be a number, got {kind}")
    try:
        value = float(raw)
    except OverflowError:
        value = math.inf
    if not math.isfinite(value):
        return Rejection("not_finite", f"'{signal[:64]}' is not a finite number")
    return value
